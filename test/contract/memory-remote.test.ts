// The Remote contract on the in-process memory Remote (test/helpers/memory-remote.ts).
import { defineRemoteContract } from './remote-contract.js';
import { MemoryPds } from '../helpers/memory-remote.js';

defineRemoteContract('memory', async () => {
  const pds = new MemoryPds();
  const remote = pds.addDrive();
  return {
    remote,
    owner: remote,
    home: 'root',
    writes: 'all',
    volumeId: 'drive:1',
    capabilities: { readOnly: false, serverSideCopy: true, maxNameBytes: 1024, changeFeed: true },
    other: pds.addDrive(),
    close: async () => undefined,
  };
});
