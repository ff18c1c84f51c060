// A full drive: QuotaExhausted.Drive → ENOSPC; statfs shows the space.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { randomFile, startPds } from './fixture.js';

const QUOTA = 256 * 1024;
const pds = await startPds({ driveQuotaBytes: QUOTA });
const remote = new DriveRemote(pds.client, pds.driveId);

test('an upload that does not fit fails with ENOSPC; one that fits succeeds', async () => {
  const big = await randomFile(pds.tmp, QUOTA + 1);
  await assert.rejects(remote.upload('root', 'big.bin', big.file, QUOTA + 1), (e: unknown) => VfsError.is(e, 'ENOSPC'));
  const small = await randomFile(pds.tmp, 1000);
  await remote.upload('root', 'small.bin', small.file, 1000);
  const space = await remote.statfs();
  assert.deepEqual(space, { total: QUOTA, used: 1000, free: QUOTA - 1000 });
});
