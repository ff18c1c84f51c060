// The HTML listing in a real browser: Debian's headless Chromium driven by playwright-core (no browser
// download). Browses real content, sorts by a column, follows breadcrumbs and downloads a file, and
// leaves a screenshot in the temp dir.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { bytes } from '../contract/vfs-scenarios.js';
import { PASSWORD, serve, USER } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
export const SCREENSHOT = path.join(os.tmpdir(), 'pdsfs-webdav-listing.png');

test('a person can browse, sort and download in Chromium', { skip: fs.existsSync(CHROMIUM) ? false : 'chromium is not installed' }, async (t) => {
  const s = await serve();
  t.after(() => s.close());
  const dir = `${s.drivePath}/Holiday Photos`;
  assert.equal((await s.request('MKCOL', s.href(dir))).status, 201);
  assert.equal((await s.request('MKCOL', s.href(`${dir}/Day 2`))).status, 201);
  const files: [string, number][] = [['beach.jpg', 2_400_000], ['notes <draft>.txt', 1200], ['sunset.png', 800_000], ['menu.pdf', 95_000]];
  for (const [name, size] of files) assert.equal((await s.request('PUT', s.href(`${dir}/${name}`), { body: bytes(size) })).status, 201);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  t.after(() => browser.close());
  const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 960, height: 560 } });
  const page = await context.newPage();
  const rowNames = () => page.$$eval('tbody tr td:first-child .name', (names) => names.map((n) => n.textContent));

  const response = await page.goto(s.driveUrl + 'Holiday%20Photos/');
  assert.equal(response?.status(), 200);
  assert.deepEqual(await rowNames(), ['Day 2/', 'beach.jpg', 'menu.pdf', 'notes <draft>.txt', 'sunset.png']);
  assert.equal(await page.title(), `${dir} · pdsfs`);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  t.diagnostic(`screenshot: ${SCREENSHOT}`);

  await page.click('th >> text=Size');
  assert.deepEqual(await rowNames(), ['Day 2/', 'notes <draft>.txt', 'menu.pdf', 'sunset.png', 'beach.jpg']);
  await page.click('th >> text=Size');
  assert.deepEqual(await rowNames(), ['Day 2/', 'beach.jpg', 'sunset.png', 'menu.pdf', 'notes <draft>.txt']);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('tr:has-text("menu.pdf") a.dl')]);
  assert.equal(download.suggestedFilename(), 'menu.pdf');
  assert.equal(fs.statSync(await download.path()).size, 95_000);

  await page.click('text=Day 2/');
  assert.match(await page.textContent('nav') ?? '', /Holiday Photos/);
  assert.match(await page.textContent('tbody') ?? '', /This folder is empty/);
  await page.click('nav >> text=Holiday Photos');
  assert.equal(new URL(page.url()).pathname, s.href(dir) + '/');
});
