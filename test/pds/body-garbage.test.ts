// Downloads and uploads pace young-generation collections by their bytes: one forced scavenge per
// 4 MiB of body, counted from V8's own GC entries (forced minor collections), through a real
// download and a real upload. Without the pacing a transfer this size forces none.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { fileSource } from '../../src/pds/upload-source.js';
import { randomFile, readAll, sha1, startPds } from './fixture.js';

const MiB = 1024 * 1024;
const pds = await startPds();

function forcedScavenges(entries: PerformanceEntry[]): number {
  return entries.filter((e) => {
    const detail = (e as PerformanceEntry & { detail?: { kind?: number; flags?: number } }).detail;
    return detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR && ((detail.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
  }).length;
}

test('a download of 18 MiB runs four scavenges of its own (one per 4 MiB received)', async () => {
  const size = 18 * MiB;
  const local = await randomFile(pds.tmp, size);
  const f = await pds.client.uploader.upload({ scope: { drive_id: pds.driveId }, parentId: 'root', name: 'big.bin', source: fileSource(local.file, size) });
  const target = { scope: { drive_id: pds.driveId }, fileId: f.file_id, revision: f.content_hash ?? '' };
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const got = await readAll(await pds.client.downloader.openRange(target, 0, size - 1));
  await turn();
  entries.push(...observer.takeRecords());
  observer.disconnect();
  assert.equal(sha1(got), sha1(await fs.readFile(local.file)));
  // Nothing was downloaded before in this process (each test file runs in its own).
  assert.equal(forcedScavenges(entries), 4);
});

test('an upload of 18 MiB runs four or five scavenges of its own (one per 4 MiB sent)', async () => {
  const size = 18 * MiB;
  const local = await randomFile(pds.tmp, size);
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const f = await pds.client.uploader.upload({ scope: { drive_id: pds.driveId }, parentId: 'root', name: 'sent.bin', source: fileSource(local.file, size) });
  await turn();
  entries.push(...observer.takeRecords());
  observer.disconnect();
  assert.equal(f.content_hash, local.sha1);
  // Four per 18 MiB; five when an upload earlier in this process left 2 MiB or more counted.
  const forced = forcedScavenges(entries);
  assert.ok(forced === 4 || forced === 5, `${forced} forced scavenges`);
});
