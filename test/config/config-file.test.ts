// The config file on a real disk: permissions, atomic replacement, serialized updates, validation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readConfigFile, updateConfigFile, writeConfigFile, type ConfigFileContents } from '../../src/config/config-file.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-config-'));
after(() => fsp.rm(root, { recursive: true, force: true }));

let n = 0;
const freshDir = (): string => path.join(root, `case-${++n}`);
const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;
const sample: ConfigFileContents = { options: { endpoint: 'http://127.0.0.1:1', 'refresh-token': 'rt-1', 'client-id': 'app', share: ['s1', 's2:pw'], 'poll-interval': 5 } };

describe('writing', () => {
  it('creates the file 0600 in a new 0700 directory, and reads back what was written', async () => {
    const dir = path.join(freshDir(), 'pdsfs');
    const file = path.join(dir, 'config.json');
    await writeConfigFile(file, { ...sample, jwt: { 'client-id': 'j', 'private-key-path': '/k.pem', 'user-id': 'u', 'domain-id': 'd' } });
    assert.equal(modeOf(file), 0o600);
    assert.equal(modeOf(dir), 0o700);
    assert.deepEqual(readConfigFile(file), { ...sample, jwt: { 'client-id': 'j', 'private-key-path': '/k.pem', 'user-id': 'u', 'domain-id': 'd' } });
  });

  it('has the new contents in place before its first await (a refreshed token pair must outlive a kill -9 right after the answer)', async () => {
    const file = path.join(freshDir(), 'config.json');
    await writeConfigFile(file, sample);
    const next: ConfigFileContents = { options: { ...sample.options, 'refresh-token': 'rt-2' } };
    const writing = writeConfigFile(file, next);
    assert.deepEqual(readConfigFile(file), next, 'in place when the call returns, before anything awaited');
    await writing;
    assert.equal(modeOf(file), 0o600);
  });

  it('keeps 0600 even when the process umask would allow more', async () => {
    const file = path.join(freshDir(), 'config.json');
    const old = process.umask(0);
    try {
      await writeConfigFile(file, sample);
    } finally {
      process.umask(old);
    }
    assert.equal(modeOf(file), 0o600);
  });

  it('replaces the file by rename: an open reader keeps the old contents, no temp file is left', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'config.json');
    await writeConfigFile(file, sample);
    const before = fs.statSync(file).ino;
    const reader = await fsp.open(file, 'r');
    try {
      await writeConfigFile(file, { options: { endpoint: 'http://127.0.0.1:2' } });
      const seenByReader = JSON.parse(await reader.readFile('utf8')) as Record<string, unknown>;
      assert.equal(seenByReader.endpoint, 'http://127.0.0.1:1');
    } finally {
      await reader.close();
    }
    assert.notEqual(fs.statSync(file).ino, before);
    assert.equal(readConfigFile(file).options.endpoint, 'http://127.0.0.1:2');
    assert.deepEqual(fs.readdirSync(dir), ['config.json']);
  });

  it('writes through a symlinked config file instead of replacing the link', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir);
    const real = path.join(dir, 'real.json');
    const link = path.join(dir, 'config.json');
    await writeConfigFile(real, sample);
    fs.symlinkSync(real, link);
    await writeConfigFile(link, { options: { port: 9 } });
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.deepEqual(readConfigFile(real).options, { port: 9 });
  });

  it('refuses to update a file it cannot parse, leaving it as it was', async () => {
    const file = path.join(freshDir(), 'config.json');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{"endpoint": "x", "prot": 1}');
    await assert.rejects(updateConfigFile(file, (c) => c), /unknown key "prot"/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"endpoint": "x", "prot": 1}');
  });
});

describe('reading', () => {
  const write = (text: string, mode = 0o600): string => {
    const file = path.join(freshDir(), 'config.json');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode);
    return file;
  };

  it('reads a missing file as empty', () => {
    assert.deepEqual(readConfigFile(path.join(freshDir(), 'none.json')), { options: {} });
  });

  it('names an unknown key', () => {
    const file = write('{"cache-dir": "/c", "cache_dir": "/c"}');
    assert.throws(() => readConfigFile(file), (err: Error) => err.message.includes('unknown key "cache_dir"') && err.message.includes(file));
  });

  it('names a value of the wrong type', () => {
    assert.throws(() => readConfigFile(write('{"port": "8080"}')), /"port" must be a number/);
    assert.throws(() => readConfigFile(write('{"share": ["a", 1]}')), /"share" must be an array of strings/);
    assert.throws(() => readConfigFile(write('{"read-only": "yes"}')), /"read-only" must be a boolean/);
  });

  it('checks the jwt section', () => {
    assert.throws(() => readConfigFile(write('{"jwt": {"client-id": "c", "private-key-path": "/k", "user-id": "u"}}')), /"jwt.domain-id" must be a non-empty string/);
    assert.throws(() => readConfigFile(write('{"jwt": {"client-id": "c", "private-key": "/k", "user-id": "u", "domain-id": "d"}}')), /unknown key "jwt.private-key"/);
  });

  it('rejects text that is not a JSON object', () => {
    assert.throws(() => readConfigFile(write('{"port": 1,')), /not valid JSON/);
    assert.throws(() => readConfigFile(write('["port"]')), /must hold a JSON object/);
  });

  it('warns about secrets readable by group or others, and only then', () => {
    const warnings: string[] = [];
    const warn = (m: string): void => {
      warnings.push(m);
    };
    readConfigFile(write('{"refresh-token": "rt-SECRET-1"}', 0o644), { warn });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /readable by group or others \(mode 0644\); run: chmod 600/);
    assert.ok(!warnings[0]?.includes('SECRET'));
    readConfigFile(write('{"share": ["id:password"]}', 0o640), { warn });
    assert.equal(warnings.length, 2, 'a share password is a secret');
    readConfigFile(write('{"refresh-token": "rt"}', 0o600), { warn });
    readConfigFile(write('{"cache-dir": "/c", "share": ["id"]}', 0o644), { warn });
    assert.equal(warnings.length, 2);
  });
});
