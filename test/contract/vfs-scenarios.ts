// The scenario table of filesystem operations that every front-end runs: directly against the Vfs,
// through FUSE (node:fs on a mount) and through WebDAV (a client library and curl).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

export interface ScenarioOps {
  /** Directory (within the front-end's namespace) that the scenarios may fill. */
  root: string;
  write(p: string, data: Buffer): Promise<void>;
  read(p: string): Promise<Buffer>;
  mkdir(p: string): Promise<void>;
  rmdir(p: string): Promise<void>;
  unlink(p: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  stat(p: string): Promise<{ kind: 'file' | 'dir'; size: number; mtime: number }>;
  readdir(p: string): Promise<string[]>;
  /** Maps a thrown error to a VfsCode-like name ('ENOENT', 'EEXIST', 'ENOTEMPTY', ...) or undefined. */
  errorCode(err: unknown): string | undefined;
  capabilities: { rmdirNonEmptyFails: boolean };
}

interface Scenario {
  name: string;
  run(ops: ScenarioOps, dir: string): Promise<void>;
}

export function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

async function expectCode(ops: ScenarioOps, p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err) => {
    assert.equal(ops.errorCode(err), code, `expected ${code}, got ${String((err as Error)?.message ?? err)}`);
    return true;
  });
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'mkdir, stat and readdir',
    async run(ops, dir) {
      await ops.mkdir(`${dir}/sub`);
      assert.equal((await ops.stat(`${dir}/sub`)).kind, 'dir');
      assert.deepEqual(await ops.readdir(dir), ['sub']);
      assert.deepEqual(await ops.readdir(`${dir}/sub`), []);
    },
  },
  {
    name: 'write and read a small file',
    async run(ops, dir) {
      await ops.write(`${dir}/hello.txt`, Buffer.from('hello, world\n'));
      const st = await ops.stat(`${dir}/hello.txt`);
      assert.equal(st.kind, 'file');
      assert.equal(st.size, 13);
      assert.equal((await ops.read(`${dir}/hello.txt`)).toString(), 'hello, world\n');
    },
  },
  {
    name: 'empty file',
    async run(ops, dir) {
      await ops.write(`${dir}/empty`, Buffer.alloc(0));
      assert.equal((await ops.stat(`${dir}/empty`)).size, 0);
      assert.equal((await ops.read(`${dir}/empty`)).length, 0);
    },
  },
  {
    name: 'multi-block file round trip',
    async run(ops, dir) {
      const data = bytes(3 * 1024 * 1024 + 12345, 7);
      await ops.write(`${dir}/big.bin`, data);
      assert.equal((await ops.stat(`${dir}/big.bin`)).size, data.length);
      assert.equal(sha1(await ops.read(`${dir}/big.bin`)), sha1(data));
    },
  },
  {
    name: 'overwrite with shorter content',
    async run(ops, dir) {
      await ops.write(`${dir}/f`, Buffer.from('a long first version'));
      await ops.write(`${dir}/f`, Buffer.from('short'));
      assert.equal((await ops.read(`${dir}/f`)).toString(), 'short');
      assert.deepEqual(await ops.readdir(dir), ['f']);
    },
  },
  {
    name: 'rename within a directory',
    async run(ops, dir) {
      await ops.write(`${dir}/a`, Buffer.from('A'));
      await ops.rename(`${dir}/a`, `${dir}/b`);
      await expectCode(ops, ops.stat(`${dir}/a`), 'ENOENT');
      assert.equal((await ops.read(`${dir}/b`)).toString(), 'A');
    },
  },
  {
    name: 'rename across directories',
    async run(ops, dir) {
      await ops.mkdir(`${dir}/x`);
      await ops.mkdir(`${dir}/y`);
      await ops.write(`${dir}/x/f`, Buffer.from('moved'));
      await ops.rename(`${dir}/x/f`, `${dir}/y/g`);
      assert.deepEqual(await ops.readdir(`${dir}/x`), []);
      assert.equal((await ops.read(`${dir}/y/g`)).toString(), 'moved');
    },
  },
  {
    name: 'rename over an existing file replaces it',
    async run(ops, dir) {
      await ops.write(`${dir}/old`, Buffer.from('old content'));
      await ops.write(`${dir}/.new.tmp`, Buffer.from('new content'));
      await ops.rename(`${dir}/.new.tmp`, `${dir}/old`);
      assert.equal((await ops.read(`${dir}/old`)).toString(), 'new content');
      assert.deepEqual(await ops.readdir(dir), ['old']);
    },
  },
  {
    name: 'rename a directory with its contents',
    async run(ops, dir) {
      await ops.mkdir(`${dir}/d1`);
      await ops.write(`${dir}/d1/inner`, Buffer.from('inside'));
      await ops.rename(`${dir}/d1`, `${dir}/d2`);
      await expectCode(ops, ops.stat(`${dir}/d1`), 'ENOENT');
      assert.equal((await ops.read(`${dir}/d2/inner`)).toString(), 'inside');
    },
  },
  {
    name: 'unlink',
    async run(ops, dir) {
      await ops.write(`${dir}/gone`, Buffer.from('x'));
      await ops.unlink(`${dir}/gone`);
      await expectCode(ops, ops.stat(`${dir}/gone`), 'ENOENT');
      assert.deepEqual(await ops.readdir(dir), []);
    },
  },
  {
    name: 'rmdir: empty ok, non-empty refused',
    async run(ops, dir) {
      await ops.mkdir(`${dir}/full`);
      await ops.write(`${dir}/full/f`, Buffer.from('x'));
      if (ops.capabilities.rmdirNonEmptyFails) await expectCode(ops, ops.rmdir(`${dir}/full`), 'ENOTEMPTY');
      await ops.mkdir(`${dir}/empty`);
      await ops.rmdir(`${dir}/empty`);
      await expectCode(ops, ops.stat(`${dir}/empty`), 'ENOENT');
    },
  },
  {
    name: 'errors: missing paths and existing names',
    async run(ops, dir) {
      await expectCode(ops, ops.stat(`${dir}/nope`), 'ENOENT');
      await expectCode(ops, ops.read(`${dir}/nope`), 'ENOENT');
      await ops.mkdir(`${dir}/here`);
      await expectCode(ops, ops.mkdir(`${dir}/here`), 'EEXIST');
    },
  },
  {
    name: 'unicode names match in NFC and NFD',
    async run(ops, dir) {
      const nfd = 'cafe\u0301.txt';
      const nfc = 'caf\u00e9.txt';
      await ops.write(`${dir}/${nfd}`, Buffer.from('accent'));
      assert.equal((await ops.read(`${dir}/${nfc}`)).toString(), 'accent');
      assert.equal((await ops.readdir(dir)).length, 1);
    },
  },
];

/** Registers the scenario table as node:test tests, each in its own directory under ops.root. */
export function defineScenarioTests(label: string, makeOps: () => Promise<{ ops: ScenarioOps; close(): Promise<void> }>): void {
  describe(`VFS scenarios via ${label}`, () => {
    let ops: ScenarioOps;
    let close: () => Promise<void>;
    before(async () => {
      ({ ops, close } = await makeOps());
    });
    after(async () => {
      await close?.();
    });
    SCENARIOS.forEach((s, i) => {
      test(s.name, async () => {
        const dir = `${ops.root.replace(/\/$/, '')}/s${i}`;
        await ops.mkdir(dir);
        await s.run(ops, dir);
      });
    });
  });
}
