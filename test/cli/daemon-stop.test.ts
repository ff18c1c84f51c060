// The daemon's stop ends even when a step after the drain never does (an unmount stuck in the
// kernel, a close waiting on something for ever): the step is logged as late, the stop goes on, and
// the exit code is 1. What waits for upload is in the journal either way.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { runUntilStopped } from '../../src/cli/daemon.js';
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
  async function stop(frontEndStop: () => Promise<void>, close: (() => Promise<void>) | undefined, limits: { frontEnd: number; close: number }) {
    const control = await startControl(s.app, { socketPath: path.join(s.cacheDir, 'control', `${errors().length}.sock`), logger, role: 'test' });
    let closes = 0;
    const app: App = { ...s.app, close: () => (closes++, (close ?? (() => Promise.resolve()))()) };
    const code = await runUntilStopped({ app, opts: {} as never, logger }, { ended: Promise.resolve(), stop: frontEndStop }, control, limits);
    return { code, closes };
  }

  test('a front-end stop that never ends is logged as late; the cache is still closed and the code is 1', async () => {
    const { code, closes } = await stop(never, undefined, { frontEnd: 1, close: 60_000 });
    assert.equal(code, 1);
    assert.equal(closes, 1, 'the close ran after the late front-end');
    assert.deepEqual(errors(), ['stopping the front-end did not finish in time: stopping without it; what waits for upload is kept and sent at the next start']);
    assert.match(recentLogEvents(logger).list().at(-1)!.detail ?? '', /"waitingOn":\["/, 'what the process waited on then');
  });

  test('a close that never ends is logged as late and the stop returns 1', async () => {
    const before = errors().length;
    const { code, closes } = await stop(() => Promise.resolve(), never, { frontEnd: 60_000, close: 1 });
    assert.equal(code, 1);
    assert.equal(closes, 1);
    assert.deepEqual(errors().slice(before), ['closing the cache did not finish in time: stopping without it; what waits for upload is kept and sent at the next start']);
  });
});
