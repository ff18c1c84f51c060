// Keeps the metadata cache current with changes made by other clients: every poll interval it
// reads each drive's change feed (list_delta) from the cursor kept in SQLite and applies it.
import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BlockCache } from '../cache/blocks/block-cache.js';
import type { MetadataStore } from '../cache/metadata/nodes.js';
import type { DirCache } from './dir-cache.js';
import type { Remote, RemoteChange } from '../core/remote.js';
import type { Volume } from './volume.js';

type ChangePage = Awaited<ReturnType<NonNullable<Remote['changes']>>>;

/** Changes applied per transaction and turn of the event loop (a page of the PDS maximum holds 100). */
export const FEED_ROWS_PER_TURN = 20;

/**
 * Times a page is read again because own writes keep landing on its nodes; after that its entries
 * of those nodes are left out (the own write is the newer state, and the next pages hold it).
 */
const MAX_REREADS = 3;

/**
 * The nodes a pass holds back (written here since the volume's previous pass began) and the last
 * change of each it met: applied at the pass's end (ChangePoller.applyHeld).
 */
interface HeldBack {
  nodes: ReadonlySet<string>;
  last: Map<string, RemoteChange>;
}

/** A feed page asked for: from which cursor, and the own-write count then (OwnWrites). */
interface AskedPage {
  from: string;
  asOf: number;
  page: Promise<ChangePage>;
}

export class ChangePoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The pass queued behind the running one. */
  private next: Promise<void> | undefined;
  /** No pass starts after stop (a queued one included): the caches may be closing. */
  private stopped = false;
  /** Per volume, the failure last logged: a lasting failure (a dead login) is logged once, not every poll. */
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly volumes: readonly Volume[],
    private readonly store: MetadataStore,
    private readonly dirs: DirCache,
    private readonly blocks: BlockCache,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly hooks: {
      /** Polls are skipped while PDS is unreachable. */
      online: () => boolean;
      /** Called after changes were applied (changes not replayed yet go back on top). */
      afterApply: () => void;
    } = { online: () => true, afterApply: () => undefined },
  ) {}

  /** Catches up once (so a restart starts from a current cache), then polls every interval. */
  async start(): Promise<void> {
    await this.pollAll();
    this.timer = setInterval(() => void this.pollAll(), this.intervalMs).unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /**
   * One pass over every volume with a change feed. A pass already running may have read the feed
   * before the caller's change: one more pass follows it, shared by all who ask meanwhile.
   */
  pollAll(): Promise<void> {
    if (this.stopped || !this.hooks.online()) return Promise.resolve();
    if (this.running) {
      return (this.next ??= this.running.then(() => {
        this.next = undefined;
        return this.pollAll();
      }));
    }
    this.running = (async () => {
      for (const v of this.volumes) {
        if (!v.remote.capabilities.changeFeed) continue;
        await this.poll(v).then(
          () => {
            if (this.failing.delete(v.id)) this.logger.info({ volume: v.dirName }, 'change feed works again');
          },
          (err) => {
            const message = String(err?.message ?? err);
            if (this.failing.get(v.id) === message) return;
            this.failing.set(v.id, message);
            this.logger.warn({ volume: v.dirName, err: message }, 'change feed poll failed (logged once until it changes)');
          },
        );
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async poll(v: Volume): Promise<void> {
    const remote = v.remote;
    // Taken first: the pass that only sets the first cursor starts the volume's own writes being kept.
    const recent = this.dirs.ownWrites.takeRecent(v.id);
    const cursor = this.store.getCursor(v.id);
    if (!cursor) {
      // No baseline: whatever was cached before is of unknown age.
      const latest = await remote.latestCursor!();
      this.dirs.invalidateVolume(v.id);
      this.store.setCursor(v.id, latest);
      return;
    }
    // The next page is asked for before one is applied, so a feed of 100,000 changes is fetched
    // while it is applied. The turn of the event loop that brought a page (its answer parsed) carries
    // nothing more of it: the next request, then each FEED_ROWS_PER_TURN of its changes (one
    // transaction; the cursor goes with the last), run in turns of their own, and requests that came
    // in are answered between them (a page of the PDS maximum of 100 in one turn held the main thread
    // about 3 ms). Each transaction also waits while a WAL checkpoint is due or under way: one can
    // only complete between writes, and its restart write would make a write meeting it sleep.
    const own = this.dirs.ownWrites;
    const ask = (from: string): AskedPage => ({ from, asOf: own.now, page: remote.changes!(from) });
    const held: HeldBack = { nodes: recent, last: new Map() };
    await own.during(async () => {
      let next: AskedPage | undefined = ask(cursor);
      let rereads = 0;
      let final: { cursor: string; asOf: number } | undefined;
      while (next && !this.stopped) {
        const asked: AskedPage = next;
        const page = await asked.page;
        if (page.expired) {
          // Changes since the cursor are lost: every cached listing may be stale. Start over from now.
          this.logger.warn({ volume: v.dirName }, 'change feed cursor expired; cached listings will be read again');
          this.store.setCursor(v.id, await remote.latestCursor!());
          this.dirs.invalidateVolume(v.id);
          return;
        }
        await setImmediate();
        next = page.hasMore ? ask(page.cursor) : undefined;
        let applied: boolean;
        try {
          applied = await this.applyPage(v, page, asked.asOf, rereads < MAX_REREADS, await idsIn(next), held);
        } catch (err) {
          next?.page.catch(() => undefined);
          throw err;
        }
        if (applied) {
          rereads = 0;
          if (!next) final = { cursor: page.cursor, asOf: asked.asOf };
          continue;
        }
        // An own write landed on a node of the page after it was asked for: asked for again, it holds that write.
        next?.page.catch(() => undefined);
        rereads++;
        this.logger.debug({ volume: v.dirName, rereads }, 'change feed page older than an own write: read again');
        next = ask(asked.from);
      }
      // Stopped: the caches may be closing, and what was not applied comes again at the next start.
      next?.page.catch(() => undefined);
      if (final && !this.stopped && held.last.size > 0) this.applyHeld(v, held, final.cursor, final.asOf);
    });
  }

  /**
   * At the end of a pass, the last change of each node held back, with the pass's cursor (not stored
   * before: a pass cut short is read again whole). A node written after the last page was asked for
   * keeps its own write: its change comes in the next pass.
   */
  private applyHeld(v: Volume, held: HeldBack, cursor: string, asOf: number): void {
    const own = this.dirs.ownWrites;
    this.store.batch(() => {
      for (const change of held.last.values()) if (!own.writtenSince(v.id, change.id, asOf)) this.apply(v, change);
      this.store.setCursor(v.id, cursor);
    });
    this.hooks.afterApply();
  }

  /**
   * A page's changes, FEED_ROWS_PER_TURN per transaction and turn; the cursor is stored with the last
   * of them, so a page cut short by a stop or a crash is applied again whole (its changes are states
   * of nodes: applying one twice leaves the same rows). So only the last change of each node in the
   * page is applied: a reader between two transactions never sees a node go back to an older state.
   * The changes not replayed yet go back on top after each transaction, before any request can read it.
   * A page asked for (at `asOf`) before an own write landed on a node still to be applied is not
   * applied further (false: read it again), or, with `reread` false, is applied without that node.
   * A node the next page changes again (`later`) is left to it: each change carries the node as it
   * was then, and a state older than the cache's, applied for the moment between two pages, was
   * read by a chmod or utimens made then and sent back to PDS (a folder's mode lost in an rsync).
   */
  private async applyPage(v: Volume, page: Exclude<ChangePage, { expired: true }>, asOf: number, reread: boolean, later: ReadonlySet<string>, held: HeldBack): Promise<boolean> {
    const { items } = page;
    const own = this.dirs.ownWrites;
    const last = new Map<string, number>();
    items.forEach((c, i) => last.set(c.id, i));
    for (let from = 0; ; from += FEED_ROWS_PER_TURN) {
      await setImmediate();
      await this.store.roomForWrites();
      if (this.stopped) return true;
      const to = Math.min(from + FEED_ROWS_PER_TURN, items.length);
      const written = own.anySince(asOf) && items.slice(from).some((c) => own.writtenSince(v.id, c.id, asOf));
      if (written && reread) return false;
      this.store.batch(() => {
        for (let i = from; i < to; i++) {
          const change = items[i]!;
          if (last.get(change.id) !== i || later.has(change.id) || (written && own.writtenSince(v.id, change.id, asOf))) continue;
          if (held.nodes.has(change.id)) held.last.set(change.id, change);
          else this.apply(v, change);
        }
        if (to === items.length && held.last.size === 0) this.store.setCursor(v.id, page.cursor);
      });
      if (to > from) this.hooks.afterApply();
      if (to === items.length) return true;
    }
  }

  private apply(v: Volume, change: RemoteChange): void {
    const cached = this.store.revision(v.id, change.id);
    const gone = change.op === 'delete' || change.op === 'trash' || !change.entry;
    if (gone) {
      if (cached !== undefined) this.dirs.removeChanged(v, change.id);
      this.blocks.forget(v.id, change.id);
      return;
    }
    const entry = change.entry!;
    if (cached !== undefined && cached !== entry.revision) this.blocks.forget(v.id, entry.id);
    this.dirs.putChanged(v, entry);
  }
}

/** The nodes a page asked for next changes (none when there is no next page, or it fails: the loop meets that). */
async function idsIn(next: AskedPage | undefined): Promise<ReadonlySet<string>> {
  const page = await next?.page.catch(() => undefined);
  return new Set(page && !page.expired ? page.items.map((c) => c.id) : []);
}
