// Holds the replay of the changes made offline in one server call, to run an operation while they
// wait: the operation must wait for them (or fail at once), never act on the ids they replace.
import assert from 'node:assert/strict';
import { VfsError } from '../../src/core/errors.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { Replayer } from '../../src/vfs/replay.js';
import { goOffline, goOnline, type StartedApp } from './app.js';

/**
 * Runs `op` once PDS is back while the replay is held in DriveRemote's `method` (its first call
 * `when` picks), and lets the replay go on once `op` waits for it (Replayer.idle) or has finished.
 * `lostAgain`: PDS is unreachable again when the held call goes on, so the replay stops there.
 */
export async function whileReplayHeld<T>(s: StartedApp, method: 'createDir' | 'trash', when: (...args: unknown[]) => boolean, op: () => Promise<T>, lostAgain = false): Promise<T> {
  const remote = DriveRemote.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = remote[method]!;
  const waitIdle = Replayer.prototype.idle;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const reaching = new Promise<void>((r) => (reached = r));
  let waited!: () => void;
  const waiting = new Promise<void>((r) => (waited = r));
  let held = false;
  remote[method] = async function (this: unknown, ...args: unknown[]) {
    if (!held && when(...args)) {
      held = true;
      reached();
      await gate;
      if (lostAgain) {
        goOffline(s);
        throw new VfsError('EHOSTDOWN', 'PDS is unreachable');
      }
    }
    return original.apply(this, args);
  };
  Replayer.prototype.idle = function (this: Replayer) {
    waited();
    return waitIdle.call(this);
  };
  try {
    goOnline(s);
    await reaching;
    assert.ok(s.admin.offline().changes.pending > 0, 'the changes made offline wait');
    const running = op();
    await Promise.race([waiting, running.catch(() => undefined)]);
    release();
    return await running;
  } finally {
    remote[method] = original;
    Replayer.prototype.idle = waitIdle;
    release();
  }
}
