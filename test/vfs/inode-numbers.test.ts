// Inode numbers (src/vfs/node-info.ts): numbered for FUSE's st_ino, stable while a node is among the
// last described, in a bounded table; off for WebDAV (`pdsfs serve`). Counts, never times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InodeTable } from '../../src/vfs/node-info.js';
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

test('the table keeps the most recently described nodes only: a million nodes do not grow it past its bound', () => {
  const table = new InodeTable(true, 1000);
  const kept = table.of('v|id|kept');
  const first = table.of('v|id|0');
  for (let i = 1; i < 1_000_000; i++) {
    table.of(`v|id|${i}`);
    // Described again and again (a folder being walked): keeps its number.
    if (i % 100 === 0) assert.equal(table.of('v|id|kept'), kept);
  }
  assert.equal(table.size, 1000);
  assert.equal(table.of('virtual:/'), 1);
  // Forgotten long ago: a new number, never one given before.
  const again = table.of('v|id|0');
  assert.notEqual(again, first);
  assert.ok(again > 1_000_000, `new number ${again}`);
});
