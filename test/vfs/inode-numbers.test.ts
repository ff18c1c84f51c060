// Inode numbers (src/vfs/node-info.ts): numbered for FUSE's st_ino, stable within the process; off
// for WebDAV (`pdsfs serve`), where the table would keep every node ever listed. Counts, never times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../helpers/app.js';
import { mkdir, uploadFile } from '../emulator/support.js';
import type { StartedEmulator } from '../helpers/emulator.js';

async function listedInodes(inodeNumbers: boolean | undefined): Promise<number[]> {
  const s = await startApp(inodeNumbers === undefined ? {} : { inodeNumbers });
  try {
    const e = { emu: s.emu, account: s.account, endpoint: s.endpoint } as StartedEmulator;
    const dir = await mkdir(e, 'root', 'many');
    for (let i = 0; i < 5; i++) await uploadFile(e, dir, `f${i}`, Buffer.from('x'));
    const path = `/drives/${s.app.volumes[0]!.dirName}/many`;
    const inos = (await s.vfs.readdir(path)).map((n) => n.ino);
    // Listed again: the same numbers.
    assert.deepEqual((await s.vfs.readdir(path)).map((n) => n.ino), inos);
    inos.push((await s.vfs.stat(path)).ino);
    return inos;
  } finally {
    await s.close();
  }
}

test('by default every node gets its own inode number', async () => {
  const inos = await listedInodes(undefined);
  assert.equal(inos.length, 6);
  assert.equal(new Set(inos).size, 6);
  assert.ok(inos.every((n) => n > 1));
});

test('without inode numbers (pdsfs serve) every node is inode 0, so no table grows', async () => {
  assert.deepEqual(await listedInodes(false), [0, 0, 0, 0, 0, 0]);
});
