// The daemon's stop ends even when a step after the drain never does (an unmount stuck in the
// kernel, a close waiting on something for ever): the step is logged as late, the stop goes on, and
// the exit code is 1. What waits for upload is in the journal either way.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { type FrontEnd, runUntilStopped, STOP_LIMITS, type StopLimits } from '../../src/cli/daemon.js';
import { createRecordingLogger, recentLogEvents } from '../../src/control/log-events.js';
import { startControl } from '../../src/control/server.js';
import { type StartedApp, startApp } from '../helpers/app.js';

const never = () => new Promise<void>(() => undefined);

describe('the daemon stop', () => {
  const logger = createRecordingLogger({ level: 'warn', file: '/dev/null' });
  const errors = () => recentLogEvents(logger).list().filter((e) => e.level === 'error').map((e) => e.msg);
  let s: StartedApp;
  before(async () => {
    s = await startApp({}, {}, { logger });
  });
  after(() => s.close());

  /** Stops at once (the front-end "ended"); the app's close is counted and done by `close` (nothing when not given: after() closes the app). */
  async function stop(frontEnd: Omit<FrontEnd, 'ended'>, close: (() => Promise<void>) | undefined, limits: Partial<StopLimits>) {
    const control = await startControl(s.app, { socketPath: path.join(s.cacheDir, 'control', `${++stops}.sock`), logger, role: 'test' });
    let closes = 0;
    const app: App = { ...s.app, close: () => (closes++, (close ?? (() => Promise.resolve()))()) };
    const code = await runUntilStopped({ app, opts: {} as never, logger }, { ended: Promise.resolve(), ...frontEnd }, control, { ...STOP_LIMITS, ...limits });
    return { code, closes };
  }
  let stops = 0;

  test('a front-end stop that never ends is logged as late; the cache is still closed and the code is 1', async () => {
    const { code, closes } = await stop({ stop: never }, undefined, { frontEnd: 1 });
    assert.equal(code, 1);
    assert.equal(closes, 1, 'the close ran after the late front-end');
    assert.deepEqual(errors(), ['stopping the front-end did not finish in time: stopping without it; what waits for upload is kept and sent at the next start']);
    assert.match(recentLogEvents(logger).list().at(-1)!.detail ?? '', /"waitingOn":\["/, 'what the process waited on then');
  });

  test('a close that never ends is logged as late and the stop returns 1', async () => {
    const before = errors().length;
    const { code, closes } = await stop({}, never, { close: 1 });
    assert.equal(code, 1);
    assert.equal(closes, 1);
    assert.deepEqual(errors().slice(before), ['closing the cache did not finish in time: stopping without it; what waits for upload is kept and sent at the next start']);
  });

  test('a drain waiting for a file still open for writing says so, once, and ends when the file is closed', async () => {
    const file = `/drives/${s.app.volumes[0]!.dirName}/held-open.txt`;
    const writer = await s.vfs.open(file, { read: false, write: true, create: true, truncate: true });
    await writer.write(Buffer.from('held'), 0, 4);
    // Committed, so the drain waits for its upload, which waits for the writer's close.
    await writer.flush();
    const notices = () => recentLogEvents(logger).list().filter((e) => e.msg.startsWith('waiting for files still open for writing'));
    const stopping = stop({ openForWriting: () => 1 }, undefined, { writersNotice: 1 });
    for (let i = 0; i < 3000 && notices().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(notices().length, 1, 'told while the drain waited');
    assert.equal(s.admin.status().pendingFiles, 1, 'the upload waits for the writer');
    await writer.release();
    const { code } = await stopping;
    assert.equal(code, 0);
    assert.equal(notices().length, 1, 'told once');
    assert.equal(s.admin.status().pendingFiles, 0, 'uploaded once closed');
  });
});
