// Replays the namespace changes waiting in the op log (made offline, or attribute changes and what
// followed them) against PDS, oldest first, a few at once: a change
// starts when no earlier one it depends on still waits or runs (replay-order.ts: a folder before what
// goes into it, two changes of one entry or one name in order); uploads wait for every change made
// before them (JournalRow.waitOp). Each change leaves the op log once applied, so after kill -9 the
// ones left are replayed, in the same order, and their checks find what was done already.
// Conflicts are resolved the way a sync client does, never losing data:
//   - a folder whose name is taken by a folder there: the two are merged;
//   - a name taken by something else (a new folder, a move): ours gets "name (conflict <date>)";
//   - a move or an attribute change of an entry deleted on the server, or a move into a folder
//     deleted there: lost (logged, kept as a notice in status); the entry stays as the server has it;
//   - a delete of a file changed on the server since: lost too, the changed file is kept;
//   - a delete of a folder that gained entries on the server since (added, or files changed): the
//     folder stays with just those, the rest is deleted (folder-delete.ts);
//   - a change PDS refuses (EACCES: the user may only read there now): lost, and the files written
//     into a folder it refused go to the recovery folder;
//   - a delete of something already gone: done.
// A folder made offline gets its PDS id in one transaction everywhere (cache, uploads, changes).
import { isLocalId, type Op } from '../cache/metadata/ops.js';
import { refusesPermission, toVfsError, VfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import { nameKey } from '../shared/name-key.js';
import { conflictName } from './conflict-name.js';
import { planFolderDelete } from './folder-delete.js';
import type { VfsStores } from './context.js';
import { claimsOf, ClaimSet, parentsMemo } from './replay-order.js';
import type { Writeback } from './writeback.js';
import type { Volume } from './volume.js';

/** Failures that pass: the change stays in the queue, in its place, and is tried again. */
const PASSING = new Set(['EHOSTDOWN', 'EIO', 'ETIMEDOUT', 'EAGAIN', 'EBUSY']);
const RETRY_MS = 2000;
/** Changes replayed at once: a few requests in flight, as the uploads have, not a flood. */
const REPLAY_PARALLEL = 4;
/** Waiting changes looked at for one that may start. */
const WINDOW = 256;
/** Waiting changes that make a replay worth an info line (fewer are the attribute changes of everyday work). */
const BACKLOG = 20;
/**
 * How long an attribute change waits before it is sent, unless something waits for the queue to
 * empty: rsync sets a folder's times and then its mode a system call apart, and both go as one
 * update when the first has not left yet (sent at once, the two were two updates a folder). About
 * one round trip to PDS, which the change spent in flight anyway.
 */
export const META_SETTLE_MS = 50;

type Outcome = { kind: 'done' } | { kind: 'lost' | 'conflict'; message: string };

export class Replayer {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  /** Kicks the replay when the attribute changes left to settle may go. */
  private settleTimer: NodeJS.Timeout | undefined;
  /** Callers of flush() waiting: attribute changes go without settling. */
  private flushing = 0;
  private closed = false;
  /** Changes replayed since start (status, tests). */
  replayed = 0;

  constructor(
    private readonly ctx: VfsStores & { readonly writeback: Writeback },
    /** Called after each change replayed (uploads waiting for it may start). */
    private readonly onReplayed: () => void,
  ) {}

  /** Replays what waits, unless a replay runs already (it then looks again when done). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /**
   * Replays what waits, attribute changes without settling; resolves once no replay runs (or PDS
   * is unreachable and the caller stops waiting).
   */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.kick();
      while (this.running) await this.running;
    } finally {
      this.flushing--;
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.settleTimer);
  }

  private async run(): Promise<void> {
    const { ctx } = this;
    const total = ctx.ops.counts().pending;
    if (total === 0 || !ctx.reachability.online) return;
    // Attribute changes go this way while online too: only a backlog (made offline) is worth a line.
    const log = total >= BACKLOG ? ctx.logger.info.bind(ctx.logger) : ctx.logger.debug.bind(ctx.logger);
    log({ changes: total }, 'replaying the waiting namespace changes');
    const running = new Map<number, Promise<void>>();
    // A passing failure stops new starts; what runs finishes, and the whole run is tried again later.
    let halted = false;
    let n = 0;
    for (;;) {
      if (!halted && !this.closed && ctx.reachability.online) {
        for (const op of this.startable(running)) {
          const done = this.replayOne(op).then((ok) => {
            if (!ok) halted = true;
            else if (++n % 50 === 0) ctx.logger.info({ done: n, left: ctx.ops.counts().pending }, 'replaying namespace changes');
          });
          running.set(op.id, done.finally(() => running.delete(op.id)));
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    if (n > 0) log({ done: n, left: ctx.ops.counts().pending }, 'namespace changes replayed');
  }

  /**
   * The waiting changes that may start now, oldest first, up to the free places: those no earlier
   * change still waiting or running must go before (replay-order.ts). Looks at the oldest
   * WINDOW changes only, so a long queue costs no more per step than a short one.
   */
  private startable(running: ReadonlyMap<number, unknown>): Op[] {
    const free = REPLAY_PARALLEL - running.size;
    if (free <= 0) return [];
    const ahead = new ClaimSet();
    const picked: Op[] = [];
    const parentOf = parentsMemo((volume, id) => this.ctx.store.parentId(volume, id));
    const settleMs = this.ctx.opts.metaSettleMs ?? META_SETTLE_MS;
    const now = Date.now();
    // Made after now: the clock went back since, and the change has waited long enough.
    const settled = (op: Op) => op.createdAt <= now - settleMs || op.createdAt > now;
    let settling: number | undefined;
    // The claims read each change's folders and their ancestors: dozens of reads, one transaction.
    this.ctx.store.reading(() => {
      for (const op of this.ctx.ops.pendingFirst(WINDOW)) {
        const claims = claimsOf(op, parentOf, (id) => this.real(id));
        // Still settling, it keeps its place: what must follow it waits too.
        if (!running.has(op.id) && !ahead.blocks(claims)) {
          if (op.kind !== 'meta' || this.flushing > 0 || settled(op)) picked.push(op);
          else settling ??= op.createdAt;
        }
        ahead.add(claims);
        if (picked.length === free) break;
      }
    });
    if (settling !== undefined) this.kickIn(settling + settleMs - now);
    return picked;
  }

  private kickIn(ms: number): void {
    if (this.settleTimer || this.closed) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.kick();
    }, ms).unref();
  }

  /** Replays one change and settles it; false when it failed for a passing reason (it stays queued). */
  private async replayOne(op: Op): Promise<boolean> {
    const { ctx } = this;
    let outcome: Outcome;
    const touched = new Set([op.nodeId, this.real(op.nodeId)]);
    try {
      outcome = await this.replay(op);
    } catch (e) {
      const err = toVfsError(e);
      if (PASSING.has(err.code)) {
        if (err.code !== 'EHOSTDOWN') {
          ctx.ops.failedAttempt(op.id, `${err.code}: ${err.message}`);
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.kick(), RETRY_MS).unref();
        }
        ctx.logger.warn({ change: describe(op), err: err.message }, 'replay of a namespace change failed; it is tried again');
        return false;
      }
      outcome = { kind: 'lost', message: `${err.code}: ${err.message}` };
    }
    if (outcome.kind === 'done') {
      ctx.ops.done(op.id);
    } else {
      ctx.ops.settle(op.id, outcome.kind, outcome.message);
      const log = { change: describe(op), what: outcome.message };
      if (outcome.kind === 'lost') ctx.logger.error(log, 'a namespace change could not be applied on PDS; see pdsfs status');
      else ctx.logger.warn(log, 'a namespace change met a change on the server; both were kept');
    }
    this.replayed++;
    // The server's view of this entry just came in: the changes of it still waiting go back on top.
    for (const id of [...touched]) touched.add(this.real(id));
    ctx.changes.reapply((o) => o.volume === op.volume && touched.has(o.nodeId));
    this.onReplayed();
    return true;
  }

  private async replay(op: Op): Promise<Outcome> {
    const volume = this.ctx.ns.volumes.find((v) => v.id === op.volume);
    if (!volume) return { kind: 'lost', message: `volume ${op.volume} is no longer served` };
    // Recorded with a folder id that was since given its PDS id (a change made during that replay).
    const nodeId = this.real(op.nodeId);
    const parentId = op.parentId === null ? null : this.real(op.parentId);
    if ((op.kind !== 'mkdir' && isLocalId(nodeId)) || (parentId !== null && isLocalId(parentId))) {
      const message = 'the folder it was in could not be made on PDS';
      return op.kind === 'mkdir' ? this.lostFolder(volume, op, message) : { kind: 'lost', message };
    }
    switch (op.kind) {
      case 'mkdir':
        return this.mkdir(volume, op, parentId!);
      case 'move':
        return this.move(volume, op, nodeId, parentId!);
      case 'remove':
        return this.remove(volume, op, nodeId);
      case 'meta':
        return this.meta(volume, op, nodeId);
      case 'upload':
        return { kind: 'done' };
    }
  }

  private real(id: string): string {
    return this.ctx.ops.currentId(id);
  }

  private async mkdir(volume: Volume, op: Op, parentId: string): Promise<Outcome> {
    const name = op.name!;
    const opts = op.userMeta !== null ? { userMeta: op.userMeta } : {};
    let made: RemoteEntry;
    let outcome: Outcome = { kind: 'done' };
    let merged = false;
    try {
      made = await volume.remote.createDir(parentId, name, opts);
    } catch (e) {
      const err = toVfsError(e);
      if (err.code === 'ENOENT') return this.lostFolder(volume, op, 'the folder it was made in was deleted on the server');
      if (err.code === 'EACCES') return this.lostFolder(volume, op, `PDS refused it (${err.message})`);
      if (err.code !== 'EEXIST') throw err;
      const there = await findChild(volume, parentId, name);
      if (there?.kind === 'dir') {
        // Made there too (by someone else, or by our attempt before a crash): one folder.
        made = there;
        merged = true;
      } else {
        const other = conflictName(name, op.createdAt, 'dir');
        made = await volume.remote.createDir(parentId, other, opts);
        outcome = { kind: 'conflict', message: `"${name}" was taken on the server by a file; the folder made offline is "${other}"` };
      }
    }
    const { ctx } = this;
    ctx.ops.atomically(() => {
      ctx.store.rekey(volume.id, op.nodeId, made.id, merged);
      ctx.journal.rekeyParent(volume.id, op.nodeId, made.id);
      ctx.ops.rekey(volume.id, op.nodeId, made.id);
      ctx.dirs.put(volume, made);
    });
    ctx.dirs.forget(volume.id, op.nodeId, made.id);
    ctx.onRekey(volume, op.nodeId, made.id);
    return outcome;
  }

  /** A folder made offline cannot be made: it leaves the local tree, and files written into it go to the recovery folder. */
  private async lostFolder(volume: Volume, op: Op, message: string): Promise<Outcome> {
    this.ctx.dirs.remove(volume, op.nodeId);
    for (const row of this.ctx.journal.inDir(volume.id, op.nodeId)) {
      await this.ctx.writeback.giveUp(row.id, new VfsError('ENOENT', `${message} ("${op.name}")`));
    }
    return { kind: 'lost', message: `the folder "${op.name}" made offline was lost: ${message}` };
  }

  private async move(volume: Volume, op: Op, id: string, parentId: string): Promise<Outcome> {
    const name = op.name!;
    try {
      this.ctx.dirs.put(volume, await volume.remote.move(id, parentId, name));
      return { kind: 'done' };
    } catch (e) {
      const err = toVfsError(e);
      if (err.code !== 'EEXIST' && err.code !== 'ENOENT') throw err;
      const now = await getOrGone(volume, id);
      if (!now) {
        this.ctx.dirs.remove(volume, id);
        return { kind: 'lost', message: `the rename to "${name}" was lost: the entry was deleted on the server` };
      }
      if (err.code === 'ENOENT') {
        this.ctx.dirs.put(volume, now);
        return { kind: 'lost', message: `the move of "${now.name}" was lost: the folder it was moved to was deleted on the server` };
      }
      if (now.parentId === parentId && nameKey(now.name) === nameKey(name)) {
        this.ctx.dirs.put(volume, now);
        return { kind: 'done' };
      }
      const other = conflictName(name, op.createdAt, now.kind);
      this.ctx.dirs.put(volume, await volume.remote.move(id, parentId, other));
      return { kind: 'conflict', message: `"${name}" was taken on the server; the entry moved offline is "${other}"` };
    }
  }

  private async remove(volume: Volume, op: Op, id: string): Promise<Outcome> {
    const now = await getOrGone(volume, id);
    if (!now) return { kind: 'done' };
    if (now.kind === 'file' && op.entry && now.revision !== op.entry.revision) {
      this.ctx.dirs.put(volume, now);
      return { kind: 'lost', message: `the delete of "${now.name}" was lost: the file changed on the server since, and is kept` };
    }
    // Folders made offline inside it were given their PDS ids since (they replayed first).
    const seen = op.seen && {
      entries: Object.fromEntries(Object.entries(op.seen.entries).map(([e, revision]) => [this.real(e), revision])),
      listed: op.seen.listed.map((e) => this.real(e)),
    };
    const plan = now.kind === 'dir' && seen ? await planFolderDelete(volume.remote, id, seen) : undefined;
    if (plan && !plan.whole) {
      for (const e of plan.remove) await this.discard(volume, op, e.id);
      // The folder stays, with what the server gained; the listings of it and the folders below
      // (dropped from the cache with the remove) are fetched again when used.
      this.ctx.dirs.put(volume, now);
      this.ctx.dirs.forget(volume.id, ...seen!.listed);
      const shown = plan.kept.slice(0, 5).join(', ') + (plan.kept.length > 5 ? ', …' : '');
      return {
        kind: 'conflict',
        message: `the folder "${now.name}" deleted offline was kept with ${plan.kept.length} entr${plan.kept.length === 1 ? 'y' : 'ies'} added or changed on the server since (${shown}); the rest was deleted`,
      };
    }
    await this.discard(volume, op, id);
    this.ctx.dirs.remove(volume, id);
    return { kind: 'done' };
  }

  /** Trashes (or deletes, as the change asked) one entry on PDS; already gone is fine. */
  private async discard(volume: Volume, op: Op, id: string): Promise<void> {
    try {
      if (op.permanent) await volume.remote.delete(id);
      else await volume.remote.trash(id);
    } catch (e) {
      if (!VfsError.is(toVfsError(e), 'ENOENT')) throw e;
    }
    this.ctx.blocks.forget(volume.id, id);
  }

  /** The attribute changes of entry `id` waiting next after `op`, up to any other change of that entry. */
  private metasBehind(op: Op, id: string): Op[] {
    const behind: Op[] = [];
    for (const o of this.ctx.ops.pendingFirst(WINDOW)) {
      if (o.id <= op.id || o.volume !== op.volume || this.real(o.nodeId) !== id) continue;
      if (o.kind !== 'meta') break;
      behind.push(o);
    }
    return behind;
  }

  /**
   * Sends an attribute change together with the ones of the same entry queued right behind it (rsync
   * sets a folder's mode, then its times): the last mtime and the last user_meta, which holds the
   * earlier ones. Those behind cannot be running: changes of one entry replay in order.
   */
  private async meta(volume: Volume, op: Op, id: string): Promise<Outcome> {
    const along = this.metasBehind(op, id);
    let mtime = op.mtime;
    let userMeta = op.userMeta;
    for (const o of along) {
      mtime = o.mtime ?? mtime;
      userMeta = o.userMeta ?? userMeta;
    }
    try {
      const updated = await volume.remote.update(id, { ...(mtime !== null ? { mtime } : {}), ...(userMeta !== null ? { userMeta } : {}) });
      this.ctx.dirs.put(volume, updated);
      for (const o of along) this.ctx.ops.done(o.id);
      this.replayed += along.length;
      return { kind: 'done' };
    } catch (e) {
      const err = toVfsError(e);
      // Refused for permission: lost, so the cache shows the entry as the server has it again,
      // read-only, and the next change of it is refused at once.
      if (refusesPermission(err)) {
        const now = await getOrGone(volume, id).catch(() => undefined);
        if (now) this.ctx.dirs.put(volume, now);
        await this.ctx.readOnlyCheck.refused(volume, [id]);
      }
      if (!VfsError.is(err, 'ENOENT')) throw e;
      this.ctx.dirs.remove(volume, id);
      return { kind: 'lost', message: `the attribute change of "${op.entry?.name ?? id}" was lost: it was deleted on the server` };
    }
  }
}

async function getOrGone(volume: Volume, id: string): Promise<RemoteEntry | undefined> {
  try {
    return await volume.remote.get(id);
  } catch (e) {
    if (VfsError.is(toVfsError(e), 'ENOENT')) return undefined;
    throw e;
  }
}

async function findChild(volume: Volume, parentId: string, name: string): Promise<RemoteEntry | undefined> {
  const key = nameKey(name);
  for await (const e of volume.remote.list(parentId)) if (nameKey(e.name) === key) return e;
  return undefined;
}

function describe(op: Op): string {
  return `${op.kind} ${op.entry?.name ?? ''}${op.name ? ` → ${op.name}` : ''}`.trim();
}
