// The reachability tracker: one log line per transition however many failures, probes only while
// offline, and a nudge that probes at once (rate-limited) when something needs the server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino, type Logger } from 'pino';
import { Reachability } from '../../src/core/reachability.js';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l).msg as string) });
  return { logger, lines };
}

test('each transition is logged once and told to listeners, however many failures or answers', async () => {
  const { logger, lines } = recordingLogger();
  let up = false;
  let probes = 0;
  let clock = 1_000;
  const r = new Reachability({ logger, probeMinMs: 60_000, now: () => clock });
  r.useProbe(async () => {
    probes++;
    if (!up) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
  });
  const seen: boolean[] = [];
  r.onChange((online) => seen.push(online));
  for (let i = 0; i < 5; i++) r.unreachable('ECONNREFUSED');
  assert.equal(r.online, false);
  assert.equal(r.since, 1_000);
  // Something needed the server: one probe, not one per call within the first pause.
  r.nudge();
  r.nudge();
  await r.check();
  r.nudge();
  assert.equal(probes, 1, 'the first nudge probed; the rest shared it or came within the first pause');
  clock += 60_000;
  up = true;
  r.nudge();
  await new Promise((res) => setImmediate(res));
  assert.equal(r.online, true);
  assert.equal(probes, 2);
  for (let i = 0; i < 5; i++) r.reachable();
  assert.deepEqual(seen, [false, true]);
  assert.equal(r.transitions, 2);
  assert.equal(lines.filter((l) => l.startsWith('PDS is unreachable')).length, 1);
  assert.equal(lines.filter((l) => l.startsWith('PDS is reachable again')).length, 1);
  r.close();
});

test('a check that finds the server gone makes it offline; one that finds it keeps it online', async () => {
  let up = true;
  const r = new Reachability({ probeMinMs: 60_000 });
  r.useProbe(async () => {
    if (!up) throw Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
  });
  assert.equal(await r.check(), true);
  assert.equal(r.transitions, 0);
  up = false;
  assert.equal(await r.check(), false);
  assert.equal(r.online, false);
  assert.equal(r.lastReason, 'ETIMEDOUT');
  r.close();
});
