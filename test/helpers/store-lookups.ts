// Counts the metadata store's name lookups (one SQLite query each) made while `work` runs.
import { MetadataStore } from '../../src/cache/metadata/nodes.js';

export async function storeLookupsDuring(work: () => Promise<void>): Promise<number> {
  let lookups = 0;
  const lookup = MetadataStore.prototype.lookup;
  MetadataStore.prototype.lookup = function (this: MetadataStore, ...args: Parameters<MetadataStore['lookup']>) {
    lookups++;
    return lookup.apply(this, args);
  };
  try {
    await work();
  } finally {
    MetadataStore.prototype.lookup = lookup;
  }
  return lookups;
}
