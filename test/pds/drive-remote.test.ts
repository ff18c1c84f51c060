// The Remote contract on DriveRemote over the local PDS server (test/contract/remote-contract.ts),
// and what DriveRemote has beyond it.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { defineRemoteContract } from '../contract/remote-contract.js';
import { readAll, startPds } from './fixture.js';

const pds = await startPds();

defineRemoteContract('DriveRemote', async () => {
  const remote = new DriveRemote(pds.client, pds.driveId);
  return {
    remote,
    owner: remote,
    home: 'root',
    writes: 'all',
    volumeId: `drive:${pds.driveId}`,
    capabilities: { readOnly: false, serverSideCopy: true, maxNameBytes: 1024, changeFeed: true },
    other: new DriveRemote(pds.client, pds.account.team_drive_id),
    close: async () => undefined,
  };
});

test('uploadStream: a one-pass stream of known size', async () => {
  const remote = new DriveRemote(pds.client, pds.driveId);
  const data = Buffer.from('streamed');
  const entry = await remote.uploadStream('root', 'streamed.txt', Readable.from([data]), data.length);
  assert.equal(entry.size, data.length);
  assert.ok((await readAll(await remote.openRange(entry, 0, entry.size - 1))).equals(data));
});
