import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ERRNO, ErrnoMapper, LOCAL_ERRNO } from '../../src/fuse/errno-map.js';
import { VFS_CODES, VfsError } from '../../src/core/errors.js';

const Fuse = createRequire(import.meta.url)('fuse-native') as Record<string, number>;

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

test('every VfsCode maps to the Fuse errno of the same name', () => {
  for (const code of VFS_CODES) {
    assert.equal(typeof ERRNO[code], 'number', `${code} has no entry`);
    assert.ok(ERRNO[code] < 0, `${code} must be negative`);
    assert.equal(ERRNO[code], Fuse[code], `${code} differs from Fuse.${code}`);
  }
  assert.equal(Object.keys(ERRNO).length, VFS_CODES.length, 'no entries beyond the vocabulary');
});

test('local answers match fuse-native (ENOTSUP is its EOPNOTSUPP)', () => {
  for (const [name, value] of Object.entries(LOCAL_ERRNO)) {
    assert.equal(value, name === 'ENOTSUP' ? Fuse.EOPNOTSUPP : Fuse[name], name);
  }
});

test('VfsErrors translate through the table', () => {
  const { logger } = capturingLogger();
  const mapper = new ErrnoMapper(logger);
  assert.equal(mapper.errno(new VfsError('ENOTEMPTY', 'x'), 'rmdir', '/d'), Fuse.ENOTEMPTY);
  assert.equal(mapper.errno(new VfsError('EROFS', 'x'), 'write', '/f'), Fuse.EROFS);
});

test('unknown errors become EIO and are logged once per kind', async () => {
  const { logger, lines } = capturingLogger();
  const mapper = new ErrnoMapper(logger);
  assert.equal(mapper.errno(new TypeError('boom'), 'read', '/a'), Fuse.EIO);
  assert.equal(mapper.errno(new TypeError('boom'), 'read', '/b'), Fuse.EIO);
  assert.equal(mapper.errno('a string', 'read', '/c'), Fuse.EIO);
  await new Promise((r) => setImmediate(r));
  const errors = lines.filter((l) => l.level >= 50);
  assert.equal(errors.length, 2, JSON.stringify(errors));
});
