// The status page in Debian's headless Chromium (playwright-core, no browser download): uploads in
// flight with progress bars, cache figures and the throughput chart, names shown as text. Leaves a
// screenshot in the temp dir. Also: the loopback port is read-only and checks the Host header.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { bytes } from '../contract/vfs-scenarios.js';
import { readFile, writeFile } from '../helpers/app.js';
import { type ControlledApp, eventually, startControlledApp } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
export const SCREENSHOT = path.join(os.tmpdir(), 'pdsfs-status-page.png');
const HOSTILE = '<img src=x onerror="window.pwned=1">.bin';

function get(url: string, init: { method?: string; host?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', ...(init.host ? { headers: { host: init.host } } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('status page', { skip: fs.existsSync(CHROMIUM) ? false : 'chromium is not installed' }, () => {
  let s: ControlledApp;
  let url: string;
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    s = await startControlledApp({ writeBackMs: 0 }, true);
    url = s.control.statusPageUrl!;
    const data = bytes(3 * 1024 * 1024, 3);
    await writeFile(s.app.vfs, `${s.drive}/downloaded.bin`, data);
    await s.app.vfs.drain();
    assert.deepEqual(await readFile(s.app.vfs, `${s.drive}/downloaded.bin`), data);
  });
  after(async () => {
    await browser?.close();
    s?.emu.setFaults({ latencyMs: 0 });
    await s?.close();
  });

  test('the loopback port serves the page read-only, to its own Host only', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(await get(url), 200);
    assert.equal(await get(`${url}status`, { host: 'attacker.example' }), 421);
    assert.equal(await get(`${url}cache/clear`, { method: 'POST' }), 404);
  });

  test('a person sees uploads in flight, cache use and the throughput chart', async (t) => {
    // A slow server keeps uploads in flight (seconds per request): two upload at a time, the third waits.
    s.emu.setFaults({ latencyMs: 4000 });
    const names = ['holiday.mov', HOSTILE, 'notes & plans.txt'];
    for (const [i, name] of names.entries()) await writeFile(s.app.vfs, `${s.drive}/${name}`, bytes(1024 * 1024, 20 + i));
    await eventually(async () => (await s.status()).uploads.pending.some((u) => (u.sentBytes ?? 0) > 0), 'an upload sending bytes');

    const page = await browser.newPage({ viewport: { width: 960, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    assert.equal((await page.goto(url))?.status(), 200);
    await page.waitForSelector('#uploads li.upload .bar .fill');

    const listed = await page.$$eval('#uploads li.upload .name', (els) => els.map((e) => e.textContent));
    assert.deepEqual([...listed].sort(), [...names].sort(), 'every pending upload, names as text');
    assert.equal(await page.$$eval('#uploads img', (els) => els.length), 0, 'a name is never markup');
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    const width = await page.$eval('#uploads .bar .fill', (e) => (e as HTMLElement).style.width);
    assert.match(width, /^\d+(\.\d)?%$/);

    assert.match((await page.textContent('#cache')) ?? '', /3\.0 MiB\s*downloaded/);
    await page.waitForFunction(() => document.querySelectorAll('#chart polyline.series').length === 2);
    const points = await page.$$eval('#chart polyline.series', (els) => els.map((e) => e.getAttribute('points') ?? ''));
    assert.ok(points.every((p) => p.split(' ').length >= 2), 'each series has points');
    assert.match((await page.textContent('#chart-scale')) ?? '', /peak .+\/s/);
    assert.match((await page.textContent('#volumes')) ?? '', /My Drive/);
    assert.match((await page.textContent('#state')) ?? '', /updated/);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.diagnostic(`screenshot: ${SCREENSHOT}`);
    assert.deepEqual(errors, [], 'no script or CSP error');
    s.emu.setFaults({ latencyMs: 0 });
  });
});
