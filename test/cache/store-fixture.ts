// What the metadata cache's tests share: a volume id, a remote entry, and a cache database with its
// store in a temporary folder closed after the test.
import path from 'node:path';
import type { TestContext } from 'node:test';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { MetadataStore } from '../../src/cache/metadata/nodes.js';
import type { RemoteEntry } from '../../src/core/remote.js';
import { tempDir } from './temp-dir.js';

export const VOL = 'drive:1';

export function entry(id: string, parentId: string, name: string, extra: Partial<RemoteEntry> = {}): RemoteEntry {
  return { id, parentId, name, kind: 'file', size: 3, mtime: 1000, ctime: 900, revision: `rev-${id}`, ...extra };
}

export function openStore(t: TestContext, dir = tempDir(t)) {
  const file = path.join(dir, 'metadata.sqlite');
  const db = CacheDb.open(file);
  t.after(() => db.close());
  return { db, store: new MetadataStore(db), file };
}
