// core's one toVfsError, and the boundary that applies it to everything the front-ends call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toVfsError, VfsError } from '../../src/core/errors.js';
import { PdsError } from '../../src/pds/errors.js';
import { withVfsErrors } from '../../src/vfs/error-boundary.js';
import type { FileHandle, Vfs } from '../../src/vfs/types.js';

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

test('toVfsError: VfsErrors pass, PDS errors say what they mean, a full disk is ENOSPC, the rest EIO', () => {
  const own = new VfsError('EEXIST', 'taken');
  assert.equal(toVfsError(own, '/x'), own);

  const pds = new PdsError({ status: 404, code: 'NotFound.File', message: 'gone', requestId: 'r1' });
  const fromPds = toVfsError(pds, '/a');
  assert.equal(fromPds.code, 'ENOENT');
  assert.equal(fromPds.path, '/a');
  assert.equal(fromPds.cause, pds);
  assert.match(fromPds.message, /NotFound\.File: gone \(request r1\)/);

  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) {
    const full = toVfsError(coded(code, 'no room'));
    assert.equal(full.code, 'ENOSPC', code);
    assert.match(full.message, /cache disk is full/);
  }
  assert.equal(toVfsError(coded('SQLITE_CORRUPT', 'bad')).code, 'EIO');
  assert.equal(toVfsError('a string').code, 'EIO');
});

test('withVfsErrors: raw errors from a Vfs and from its handles reach the caller as VfsErrors', async () => {
  const handle = {
    path: '/d/f',
    write: async () => {
      throw coded('ENOSPC', 'no space left on device, write');
    },
    read: async () => 7,
  } as unknown as FileHandle;
  const raw = {
    marker: 'kept',
    stat: async () => {
      throw coded('SQLITE_FULL', 'database or disk is full');
    },
    readdir: () => {
      throw new TypeError('thrown, not rejected');
    },
    open: async () => handle,
    mkdir: async () => {
      throw new VfsError('EEXIST', 'exists', '/d');
    },
    async *readdirPages() {
      yield [{ name: 'first page' }];
      throw coded('SQLITE_IOERR', 'disk I/O error');
    },
  } as unknown as Vfs & { marker: string };
  const vfs = withVfsErrors(raw);

  assert.equal(vfs.marker, 'kept');
  await assert.rejects(vfs.stat('/d'), (e: unknown) => VfsError.is(e, 'ENOSPC') && e.path === '/d');
  await assert.rejects(async () => vfs.readdir('/d'), (e: unknown) => VfsError.is(e, 'EIO') && e.cause instanceof TypeError);
  await assert.rejects(vfs.mkdir('/d'), (e: unknown) => VfsError.is(e, 'EEXIST') && e.message === 'exists');
  const pages: unknown[] = [];
  await assert.rejects(
    async () => {
      for await (const page of vfs.readdirPages('/d')) pages.push(page);
    },
    (e: unknown) => VfsError.is(e, 'EIO') && e.path === '/d',
    'an error between pages of a listing is converted too',
  );
  assert.equal(pages.length, 1, 'the page before the error arrived');

  const opened = await vfs.open('/d/f', { read: true, write: true });
  assert.notEqual(opened, handle, 'open hands out a guarded handle');
  assert.equal(await opened.read(Buffer.alloc(7), 0, 7), 7);
  await assert.rejects(opened.write(Buffer.alloc(1), 0, 1), (e: unknown) => VfsError.is(e, 'ENOSPC') && e.path === '/d/f');
});
