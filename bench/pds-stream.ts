// Stress: stream an upload and a download of SIZE bytes (default 1 GiB) through the PDS client
// against a local PDS server, printing throughput and peak RSS, and failing if RSS grows beyond a
// bound (memory must not scale with the file). Not part of `npm test`.
//   node --import tsx bench/pds-stream.ts [SIZE like 1G, 512M, 3000000] [file|stream]
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startEmulator } from '../test/helpers/emulator.js';
import { connectPds } from '../src/pds/connect.js';
import { fileSource, streamSource } from '../src/pds/upload-source.js';

const MiB = 1024 * 1024;
/** RSS may grow this much over the baseline: a few parts and socket buffers, never the file. */
const RSS_BOUND = 256 * MiB;

function parseSize(arg: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(arg ?? '1G');
  if (!m) throw new Error(`bad size ${arg}`);
  const unit = { '': 1, K: 1024, M: MiB, G: 1024 * MiB }[(m[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * unit);
}

/** Fast pseudo-random bytes (AES-CTR keystream), so generation does not dominate the timing. */
function* keystream(size: number): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(MiB);
  for (let done = 0; done < size; done += MiB) yield cipher.update(zeros.subarray(0, Math.min(MiB, size - done)));
}

async function main(): Promise<void> {
  const size = parseSize(process.argv[2]);
  const mode = process.argv[3] === 'stream' ? 'stream' : 'file';
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-'));
  const emu = await startEmulator({});
  const client = connectPds({ endpoint: emu.endpoint, accessToken: emu.account.access_token });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    const hash = createHash('sha1');
    let source;
    if (mode === 'file') {
      const file = path.join(tmp, 'src.bin');
      const out = createWriteStream(file);
      for (const chunk of keystream(size)) {
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      source = fileSource(file, size);
    } else {
      source = streamSource(Readable.from((function* () { for (const c of keystream(size)) { hash.update(c); yield c; } })()), size);
    }
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    peak = baseline;

    let t0 = Date.now();
    const f = await client.uploader.upload({ scope: { drive_id: emu.account.drive_id }, parentId: 'root', name: 'bench.bin', source });
    const upMs = Date.now() - t0;
    const expected = hash.digest('hex').toUpperCase();
    if (f.content_hash?.toUpperCase() !== expected) throw new Error(`upload hash ${f.content_hash} != ${expected}`);

    t0 = Date.now();
    const down = createHash('sha1');
    let got = 0;
    for await (const c of await client.downloader.openRange({ scope: { drive_id: emu.account.drive_id }, fileId: f.file_id, revision: f.content_hash ?? '' }, 0, size - 1)) {
      down.update(c as Buffer);
      got += (c as Buffer).length;
    }
    const downMs = Date.now() - t0;
    if (got !== size || down.digest('hex').toUpperCase() !== expected) throw new Error('download differs from upload');

    const rate = (ms: number) => `${(size / MiB / (ms / 1000)).toFixed(1)} MiB/s`;
    const growth = peak - baseline;
    console.log(`size ${(size / MiB).toFixed(0)} MiB (${mode} source)`);
    console.log(`upload   ${(upMs / 1000).toFixed(1)} s  ${rate(upMs)}`);
    console.log(`download ${(downMs / 1000).toFixed(1)} s  ${rate(downMs)}`);
    console.log(`rss baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(0)} MiB, bound ${RSS_BOUND / MiB} MiB)`);
    if (growth > RSS_BOUND) throw new Error('RSS grew beyond the bound: something buffers the file');
  } finally {
    clearInterval(sampler);
    client.close();
    await emu.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
