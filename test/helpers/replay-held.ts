// Holds one call of a method at a gate (holdFirstCall): an operation or the replay of the changes
// made offline waits there, so that a test can run the other in between. The operation must wait
// for the replay (or fail at once), never act on the ids it replaces.
import assert from 'node:assert/strict';
import { VfsError } from '../../src/core/errors.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { Replayer } from '../../src/vfs/replay.js';
import { goOffline, goOnline, type StartedApp } from './app.js';

/** A method whose first call `when` picks waits at a gate, before the original runs or after it. */
export interface HeldCall {
  /** Resolves once that call waits at the gate. */
  reached: Promise<void>;
  readonly held: boolean;
  release(): void;
  /** Puts the original method back (and releases the gate). */
  restore(): void;
}

/** `onRelease` runs as the held call goes on (it may throw, failing that call). */
export function holdFirstCall(proto: object, method: string, o: { when?: (...args: unknown[]) => boolean; after?: boolean; onRelease?: () => void } = {}): HeldCall {
  const target = proto as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = target[method]!;
  let reachedNow!: () => void;
  const reached = new Promise<void>((r) => (reachedNow = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = false;
  const wait = async (args: unknown[]) => {
    if (held || !(o.when?.(...args) ?? true)) return;
    held = true;
    reachedNow();
    await gate;
    o.onRelease?.();
  };
  target[method] = async function (this: unknown, ...args: unknown[]) {
    if (!o.after) await wait(args);
    const out = await original.apply(this, args);
    if (o.after) await wait(args);
    return out;
  };
  return {
    reached,
    get held() {
      return held;
    },
    release,
    restore: () => {
      target[method] = original;
      release();
    },
  };
}

/**
 * Runs `op` once PDS is back while the replay is held in DriveRemote's `method` (its first call
 * `when` picks), and lets the replay go on once `op` waits for it (Replayer.flush) or has finished.
 * `lostAgain`: PDS is unreachable again when the held call goes on, so the replay stops there.
 */
export async function whileReplayHeld<T>(s: StartedApp, method: 'createDir' | 'trash', when: (...args: unknown[]) => boolean, op: () => Promise<T>, lostAgain = false): Promise<T> {
  const hold = holdFirstCall(DriveRemote.prototype, method, {
    when,
    ...(lostAgain
      ? {
          onRelease: () => {
            goOffline(s);
            throw new VfsError('EHOSTDOWN', 'PDS is unreachable');
          },
        }
      : {}),
  });
  const flush = Replayer.prototype.flush;
  let waited!: () => void;
  const waiting = new Promise<void>((r) => (waited = r));
  Replayer.prototype.flush = function (this: Replayer) {
    waited();
    return flush.call(this);
  };
  try {
    goOnline(s);
    await hold.reached;
    assert.ok(s.admin.offline().changes.pending > 0, 'the changes made offline wait');
    const running = op();
    await Promise.race([waiting, running.catch(() => undefined)]);
    hold.release();
    return await running;
  } finally {
    hold.restore();
    Replayer.prototype.flush = flush;
  }
}
