import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { StagingFiles } from '../../src/cache/staging/staging-files.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from './temp-dir.js';

function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex').toUpperCase();
}

test('create makes unique empty files in the staging dir', async (t) => {
  const staging = new StagingFiles(path.join(tempDir(t), 'staging'));
  const a = await staging.create();
  const b = await staging.create();
  assert.notEqual(a, b);
  assert.equal(path.dirname(a), staging.dir);
  assert.equal(fs.statSync(a).size, 0);
  await staging.close();
});

test('fromStream and receive copy a stream; sha1 matches the content', async (t) => {
  const staging = new StagingFiles(path.join(tempDir(t), 'staging'));
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const chunks = () => Readable.from([data.subarray(0, 1000), data.subarray(1000, 2_000_000), data.subarray(2_000_000)]);

  const file = await staging.fromStream(chunks());
  assert.deepEqual(fs.readFileSync(file), data);
  assert.equal(await StagingFiles.sha1(file), sha1(data));

  const received = await staging.receive(chunks());
  assert.equal(received.size, data.length);
  assert.equal(received.sha1, sha1(data));
  assert.deepEqual(fs.readFileSync(received.path), data);
  await staging.close();
});

test('sha1 of an empty file', async (t) => {
  const staging = new StagingFiles(path.join(tempDir(t), 'staging'));
  assert.equal(await StagingFiles.sha1(await staging.create()), 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709');
  await staging.close();
});

test('a failing source leaves no staging file behind', async (t) => {
  const staging = new StagingFiles(path.join(tempDir(t), 'staging'));
  const failing = new Readable({
    read() {
      this.push(Buffer.from('partial'));
      this.destroy(new Error('source broke'));
    },
  });
  await assert.rejects(staging.fromStream(failing), /source broke/);
  await staging.close();
  assert.deepEqual(fs.readdirSync(staging.dir), []);
});

test('createOpen hands out files made ahead, and close deletes those left', async (t) => {
  const staging = new StagingFiles(path.join(tempDir(t), 'staging'));
  const first = await staging.createOpen();
  await first.handle.close();
  // The stock fills beside the caller; wait for it by its files.
  while (fs.readdirSync(staging.dir).length < 9) await new Promise((r) => setTimeout(r, 5));
  const before = new Set(fs.readdirSync(staging.dir));
  const second = await staging.createOpen();
  assert.ok(before.has(path.basename(second.path)), 'the second file was made before it was asked for');
  fs.writeSync(second.handle.fd, Buffer.from('kept'), 0, 4, 0);
  await second.handle.close();
  assert.equal(fs.readFileSync(second.path, 'utf8'), 'kept');
  await staging.close();
  assert.deepEqual(fs.readdirSync(staging.dir).sort(), [path.basename(first.path), path.basename(second.path)].sort());
});

test('recover moves the file to recovery/<timestamp>-<name> without overwriting', async (t) => {
  const root = tempDir(t);
  const staging = new StagingFiles(path.join(root, 'staging'));
  const first = await staging.fromStream(Readable.from([Buffer.from('one')]));
  const second = await staging.fromStream(Readable.from([Buffer.from('two')]));
  const r1 = await staging.recover(first, 'a/b.txt');
  const r2 = await staging.recover(second, 'a/b.txt');
  assert.equal(path.dirname(r1), path.join(root, 'recovery'));
  assert.match(path.basename(r1), /^\d{4}-\d\d-\d\dT.*-a_b\.txt$/);
  assert.notEqual(r1, r2);
  assert.equal(fs.readFileSync(r1, 'utf8'), 'one');
  assert.equal(fs.readFileSync(r2, 'utf8'), 'two');
  assert.equal(fs.existsSync(first), false);
  assert.equal(fs.existsSync(second), false);
  await staging.close();
});

test('removeUnreferenced deletes only orphans', async (t) => {
  const staging = new StagingFiles(path.join(tempDir(t), 'staging'));
  const keep = await staging.create();
  const orphan = await staging.create();
  assert.equal(await staging.removeUnreferenced([keep]), 1);
  assert.equal(fs.existsSync(keep), true);
  assert.equal(fs.existsSync(orphan), false);
  // The files made ahead are not orphans: the next creates take them.
  const next = await staging.createOpen();
  await next.handle.close();
  assert.equal(fs.existsSync(next.path), true);
  await staging.close();
});

test('removeSoon deletes files given together in one batch, soon and not at once; close deletes what is still waiting', async (t) => {
  const staging = new StagingFiles(path.join(tempDir(t), 'staging'));
  const files = await Promise.all(Array.from({ length: 20 }, () => staging.create()));
  for (const file of files.slice(0, 15)) staging.removeSoon(file);
  assert.ok(files.every((f) => fs.existsSync(f)), 'nothing is deleted at once');
  await eventually(() => files.slice(0, 15).every((f) => !fs.existsSync(f)), 'the files given to removeSoon are deleted');
  assert.equal(staging.removalBatches, 1, 'fifteen files given in one turn go in one batch');
  for (const file of files.slice(15)) staging.removeSoon(file);
  staging.removeSoon(files[0]!); // already gone: not an error
  await staging.close();
  assert.ok(files.every((f) => !fs.existsSync(f)), 'close deleted the files still waiting');
  assert.equal(staging.removalBatches, 2);
});
