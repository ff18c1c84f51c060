// Mounts a Vfs with fuse-native: cleans up a stale mount left by a crash, loads the binding with the
// utimens fix, passes the libfuse options the ops rely on, watches for an unmount from outside, and
// closes the files whose release the kernel dropped once its connection is gone.
import fs from 'node:fs/promises';
import type { FuseOptions } from 'fuse-native';
import path from 'node:path';
import type { FuseRequestCounts } from '../core/fuse-request-counts.js';
import type { Logger } from '../shared/logger.js';
import type { Vfs } from '../vfs/types.js';
import type { Ownership } from './attrs.js';
import { fuseClass, statArray, type Caller } from './fuse-class.js';
import { isMounted, isStaleMount, unmountPath } from './fusermount.js';
import { HandleTable } from './handle-table.js';
import { type FuseBinding, loadFuse } from './native-binding.js';
import { createOps } from './ops.js';

export interface MountOptions extends Ownership {
  /** Let users other than the mounting one in (needs user_allow_other in /etc/fuse.conf unless root). */
  allowOther: boolean;
  logger: Logger;
  /** Where the fixed fuse-native binding is built and kept. */
  nativeBuildDir: string;
  /** libfuse's own request tracing on stderr. */
  debug?: boolean;
  /** Keep POSIX attributes with the files and let the kernel check permissions (ops.ts); default true. */
  posix?: boolean;
  /**
   * Mount read-only (`ro`): the kernel refuses every change with EROFS, root's included (the kernel
   * answers access(2) itself once it checks permissions).
   */
  readOnly?: boolean;
}

export interface Mounted {
  readonly mountpoint: string;
  /** Resolves when the mount disappears without unmount() (fusermount -u, umount). */
  readonly unmountedElsewhere: Promise<void>;
  unmount(): Promise<void>;
  /** FUSE requests answered so far: by JS (per op), and getattrs the binding answered itself. */
  requestCounts(): FuseRequestCounts;
  /** Files open for writing through the mount. */
  openForWriting(): number;
}

/**
 * How long the kernel may answer lookups, attributes and "no such file" by itself. Changes made
 * through the mount update the kernel's copy at once; a change made elsewhere (seen by the change
 * feed) shows in the mount after at most this much more, plus ATTR_CACHE_TTL_SEC for attributes the
 * binding answered from its own cache (native-binding.ts), as libfuse2's path-based API cannot tell
 * the kernel to forget an entry; a name made elsewhere in a folder made through the mount less than
 * LISTING_TTL_SEC ago may read as missing until then, and the kernel may keep that answer this long.
 * Without it, ls -l, find, du and rsync's stat storm ask pdsfs twice per entry and run.
 */
export const KERNEL_CACHE_SEC = 10;

/**
 * libfuse options fuse-native has no switch for:
 *  big_writes      writes of up to 128 KiB instead of one page each;
 *  use_ino         st_ino comes from NodeInfo.ino;
 *  atomic_o_trunc  open(O_TRUNC) reaches the VFS as one open, so it never copies content just to drop it;
 *  *_timeout       the kernel's caching of entries, attributes and missing names (KERNEL_CACHE_SEC).
 * With auto_cache (below) the kernel keeps a file's pages across opens while its size and mtime stay.
 * Left out: kernel_cache (would keep pages of a file changed elsewhere); max_write above 128 KiB
 * (libfuse 2's kernel protocol caps a request at 32 pages); max_readahead (can only lower the
 * kernel's default); splice_read/splice_write/splice_move (measured on 3 × 64 MiB written and read
 * back with O_DIRECT, 2026-12-04, shared machine: writes 0.5–2.4 s with or without; reads took
 * 0.20–0.34 CPU seconds with splice against 0.19–0.20 without; no gain beyond the noise).
 */
export const EXTRA_LIBFUSE_OPTIONS = [
  'big_writes', 'use_ino', 'atomic_o_trunc',
  `entry_timeout=${KERNEL_CACHE_SEC}`, `attr_timeout=${KERNEL_CACHE_SEC}`, `negative_timeout=${KERNEL_CACHE_SEC}`,
].join(',');
const WATCH_INTERVAL_MS = 2000;
/**
 * How long a stop waits after the unmount while files stay open for writing on the detached mount
 * (their processes still write through it): a copy finishing its last file is uploaded whole.
 */
const LINGER_MS = 10_000;
const LINGER_POLL_MS = 50;

/** fuse-native's options for a mount (bench/fuse-floor.ts mounts its floor filesystem with the same). */
export function fuseOptions(o: Pick<FuseOptions, 'allowOther' | 'defaultPermissions' | 'debug'>): FuseOptions {
  return {
    ...o,
    fsname: 'pdsfs',
    subtype: 'pdsfs',
    // Keep cached pages across opens while size and mtime are unchanged.
    autoCache: true,
    // ops.ts enforces its own time limits, which can also undo an open that completes too late.
    timeout: false,
  };
}

/** What `pdsfs mount` prints on stdout once the mount is up; tests and scripts wait for it. */
export const MOUNTED_MESSAGE = 'pdsfs: mounted at';

/**
 * Checks and prepares the mountpoint (created if missing, a stale mount of a crashed process cleaned
 * up), before the daemon opens its cache: a mountpoint that cannot be used is the first thing said.
 * Returns the path to mount on.
 */
export async function prepareMountpoint(mountpoint: string, logger: Logger): Promise<string> {
  // The mount table lists real paths; a stale mountpoint cannot be resolved (ENOTCONN), so keep it as given.
  const mnt = await fs.realpath(mountpoint).catch(() => path.resolve(mountpoint));
  if (await isStaleMount(mnt)) {
    logger.warn({ mountpoint: mnt }, 'cleaning up a stale mount left by a crashed process');
    await unmountPath(mnt, { lazy: true });
  } else if (await isMounted(mnt)) {
    throw new Error(`${mnt} is already mounted`);
  }
  await fs.mkdir(mnt, { recursive: true });
  // libfuse2 refuses a non-empty mountpoint anyway, with only a message on stderr.
  if ((await fs.readdir(mnt)).length > 0) throw new Error(`cannot mount on ${mnt}: the directory is not empty`);
  return mnt;
}

/** The requests so far: those that reached JS (`requests`, by op) and those the binding answered itself. */
export function countRequests(binding: FuseBinding, requests: ReadonlyMap<string, number>, lazyOpensAdopted: number): FuseRequestCounts {
  const hits = binding.attrHits?.();
  const lazy = binding.lazyCounts?.();
  return {
    byJs: Object.fromEntries(requests),
    getattrInBinding: hits?.attrs ?? 0,
    enoentInBinding: hits?.missing ?? 0,
    chmodInBinding: hits?.sameMode ?? 0,
    openInBinding: lazy?.opens ?? 0,
    releaseInBinding: lazy?.releases ?? 0,
    lazyOpensAdopted,
  };
}

/** Mounts vfs on a mountpoint made ready by prepareMountpoint. */
export async function mount(vfs: Vfs, mnt: string, opts: MountOptions): Promise<Mounted> {
  const { logger } = opts;
  const binding = await loadFuse(opts.nativeBuildDir, logger);
  const caller: Caller = { uid: 0, gid: 0 };
  const PdsFuse = fuseClass(binding, opts.readOnly ? `${EXTRA_LIBFUSE_OPTIONS},ro` : EXTRA_LIBFUSE_OPTIONS, caller);
  const posix = (opts.posix ?? true) && binding.fixed;
  if ((opts.posix ?? true) && !binding.fixed) logger.warn('POSIX attributes are off: the fixed fuse-native binding is not available');
  const requests = new Map<string, number>();
  const { primeAttrs, unchangedAttrs, lazyTake } = binding;
  const handles = new HandleTable();
  const adoptions = { count: 0 };
  const ops = createOps(vfs, handles, {
    own: opts,
    logger,
    fixedBinding: binding.fixed,
    posix,
    caller,
    requests,
    adoptions,
    ...(lazyTake ? { lazyTake } : {}),
    ...(primeAttrs ? { primeAttrs: (native, slot, stat) => primeAttrs(native, slot, statArray(stat, true)) } : {}),
    ...(unchangedAttrs ? { unchangedAttrs } : {}),
  });
  const fuse = new PdsFuse(mnt, ops, fuseOptions({ allowOther: opts.allowOther, defaultPermissions: posix, debug: opts.debug }));
  await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(explainMountError(err, mnt)) : resolve())));
  logger.info({ mountpoint: mnt }, 'mounted');

  const ended = () => binding.connectionEnded?.(fuse) ?? false;
  let unmounting = false;
  let watch: NodeJS.Timeout | undefined;
  const unmountedElsewhere = new Promise<void>((resolve) => {
    watch = setInterval(() => {
      // After any unmount (from outside, or ours with a process still using the detached mount) the
      // daemon drains while the kernel may still drop a last release.
      if (ended()) {
        clearInterval(watch);
        void closeLeftOpen(handles, logger);
      }
      if (unmounting) return;
      isMounted(mnt).then((still) => {
        if (!still && !unmounting) resolve();
      }, () => undefined);
    }, WATCH_INTERVAL_MS);
    watch.unref();
  });

  return {
    mountpoint: mnt,
    unmountedElsewhere,
    requestCounts: () => countRequests(binding, requests, adoptions.count),
    openForWriting: () => handles.writers,
    async unmount() {
      unmounting = true;
      if (await isMounted(mnt)) {
        // fuse-native unmounts lazily (fusermount -uz): files open on the mount keep it alive.
        await new Promise<void>((resolve, reject) => fuse.unmount((err) => (err ? reject(err) : resolve())));
        logger.info({ mountpoint: mnt }, 'unmounted');
      }
      const until = Date.now() + LINGER_MS;
      while (handles.writers > 0 && !ended() && Date.now() < until) await new Promise((r) => setTimeout(r, LINGER_POLL_MS));
      if (ended()) await closeLeftOpen(handles, logger);
      // Not closed here: that would upload what may be half of a file, over the version on PDS.
      else if (handles.writers > 0) logger.warn({ files: handles.writers }, `files still open for writing ${LINGER_MS / 1000} s after the unmount: stopping without them; the journal keeps what was closed for the next start, the rest goes to the recovery folder`);
    },
  };
}

/**
 * Once the kernel connection is gone no request can come, so a handle still open is one whose
 * release the kernel dropped (it drops a RELEASE still queued when a lazy unmount's last user lets
 * go). Each is released as the kernel's release would have: what its flush committed is uploaded.
 */
async function closeLeftOpen(handles: HandleTable, logger: Logger): Promise<void> {
  const left = handles.takeAll();
  if (left.length === 0) return;
  logger.info({ files: left.length, paths: left.slice(0, 5).map((e) => e.path) }, 'closing files whose release the kernel dropped');
  await Promise.all(left.map((e) => e.handle.release().catch((err: unknown) => logger.error({ err, path: e.path }, 'closing a file whose release the kernel dropped failed'))));
}

function explainMountError(err: Error, mnt: string): Error {
  if (err.message === 'fuse failed') {
    return new Error(`cannot mount ${mnt}: libfuse refused (is /dev/fuse usable, and fusermount installed?)`, { cause: err });
  }
  return new Error(`cannot mount ${mnt}: ${err.message}`, { cause: err });
}
