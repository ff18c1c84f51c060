// Loads fuse-native from its own C source compiled with a few fixes, once per machine and source (cc,
// Node's headers and libfuse2; under a second); node-gyp-build finds it through FUSE_NATIVE_PREBUILD.
// The 2.2.6 binary (a) hands utimens the access time in both time arguments, so no mtime set through
// a mount (rsync's, cp -p's, touch's) would reach the VFS; (b) turns times into milliseconds and has
// no way to say "leave this time alone" (UTIME_OMIT), so libfuse2 drops `touch -m` and `touch -a`;
// (c) does not tell who made a request, so a new file could not get its creator as owner. The fixed
// binding passes times as nanoseconds (with markers for UTIME_NOW and UTIME_OMIT), asks libfuse for
// UTIME_OMIT, takes stat times in nanoseconds, and answers fuse_native_caller(handler) with the uid
// and gid of the request being served. It also answers getxattr outside the user.* namespace (the
// security.selinux and system.posix_acl_* that ls -l asks for) in C, without a round trip through
// JavaScript: pdsfs keeps its own attributes under user.* and supports no other namespace, so the
// answer is EOPNOTSUPP, as from a filesystem mounted without ACLs or labels. GNU ls then stops
// asking for the rest of the filesystem (ENODATA made ls ask twice for every entry, each a round
// trip to the daemon that the kernel never caches); setxattr there is refused the same way. It lists
// folders by offset, a kernel buffer at a time, where the shipped one has libfuse hold the whole
// folder (see the readdir entries below). And it keeps the attributes JS hands over with its
// answers, so that the getattr libfuse 2 sends after most ops is answered in C (the attribute cache
// below). It answers a read-only open of a file JS described lately with a handle JS opens only when
// it is used (the lazy opens below). It also says when libfuse's loop has ended (the kernel
// connection is gone), so that the mount can close the handles whose release the kernel dropped at a
// lazy unmount (mount.ts). Without a compiler we fall back to the shipped binary: then mtimes cannot
// be set, POSIX attributes are off, each readdir takes the whole folder at once, every getattr and
// open reaches JS, and a stop across a release the kernel dropped ends at its time limit
// (cli/daemon.ts), the file going up at the next start.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import type FuseClass from 'fuse-native';
import type { Logger } from '../shared/logger.js';
import { ATTR_CACHE_C } from './attr-cache-c.js';
import { READ_ONLY_FD_BIT } from './handle-table.js';
import { LAZY_OPEN_C } from './lazy-open-c.js';

const run = promisify(execFile);
const GETXATTR_LINUX = 'FUSE_METHOD(getxattr, 4, 1, (const char *path, const char *name, char *value, size_t size), {';
const GETATTR_METHOD = 'FUSE_METHOD(getattr, 1, 1, (const char *path, struct stat *stat), {';
const FLUSH_METHOD = 'FUSE_METHOD_VOID(flush, 2, 0, (const char *path, struct fuse_file_info *info), {';
const OPEN_METHOD = 'FUSE_METHOD(open, 2, 1, (const char *path, struct fuse_file_info *info), {';
const RELEASE_METHOD = 'FUSE_METHOD_VOID(release, 2, 0, (const char *path, struct fuse_file_info *info), {';
const CHMOD_METHOD = 'FUSE_METHOD_VOID(chmod, 2, 0, (const char *path, mode_t mode), {';
const READDIR_METHOD = 'FUSE_METHOD(readdir, 1, 2, (const char *path, void *buf, fuse_fill_dir_t filler, off_t offset, struct fuse_file_info *info), {';
const READDIR_PATH_ARG = '  napi_create_string_utf8(env, l->path, NAPI_AUTO_LENGTH, &(argv[2]));';
const READDIR_ARGS = `${READDIR_PATH_ARG}\n}, {\n  uint32_t stats_length;`;
const READDIR_NEXT_OFFSET = '(i < next_offsets_count ? (off_t) next_offsets[i] : 0)';
const READDIR_FILL_NAME = 'int err = l->readdir_filler((char *) l->buf, name, NULL, 0);';
const READDIR_FILL_STAT = 'int err = l->readdir_filler((char *) l->buf, name, (struct stat *) &st, 0);';
const READDIR_SIGNAL_END = '  }\n})\n\n#ifdef __APPLE__';

/** Each `find` must occur exactly once in the source; otherwise it is not the source these fixes are for. */
const PATCHES: readonly { find: string; replace: string }[] = [
  {
    find: 'FUSE_UINT64_TO_INTS_ARGV(l->atime, 5)',
    replace: 'FUSE_UINT64_TO_INTS_ARGV(l->mtime, 5)',
  },
  {
    find: `  l->atime = timespec_to_uint64(&tv[0]);
  l->mtime = timespec_to_uint64(&tv[1]);`,
    replace: `  l->atime = timespec_to_ns(&tv[0]);
  l->mtime = timespec_to_ns(&tv[1]);`,
  },
  {
    find: 'static void populate_stat (uint32_t *ints, struct stat* stat) {',
    replace: `static uint64_t timespec_to_ns (const struct timespec* ts) {
  if (ts->tv_nsec == UTIME_OMIT) return UINT64_MAX;
  if (ts->tv_nsec == UTIME_NOW) return UINT64_MAX - 1;
  return (uint64_t) ((int64_t) ts->tv_sec * 1000000000LL + ts->tv_nsec);
}

static void populate_stat (uint32_t *ints, struct stat* stat) {`,
  },
  {
    find: `  uint64_t ms = uint32s_to_uint64(ints);
  ts->tv_sec = ms / 1000;
  ts->tv_nsec = (ms % 1000) * 1000000;`,
    replace: `  int64_t ns = (int64_t) uint32s_to_uint64(ints);
  int64_t sec = ns / 1000000000LL;
  int64_t rest = ns % 1000000000LL;
  if (rest < 0) { rest += 1000000000LL; sec -= 1; }
  ts->tv_sec = sec;
  ts->tv_nsec = rest;`,
  },
  {
    find: 'if (implemented[op_utimens]) ops.utimens = fuse_native_utimens;',
    replace: 'if (implemented[op_utimens]) { ops.utimens = fuse_native_utimens; ops.flag_utime_omit_ok = 1; }',
  },
  {
    find: '  int32_t res;\n',
    replace: '  int32_t res;\n  uid_t caller_uid;\n  gid_t caller_gid;\n',
  },
  {
    find: `  l->op = op_##name;\\`,
    replace: `  l->op = op_##name;\\
  l->caller_uid = fuse_get_context()->uid;\\
  l->caller_gid = fuse_get_context()->gid;\\`,
  },
  {
    find: 'NAPI_METHOD(fuse_native_mount) {',
    replace: `NAPI_METHOD(fuse_native_caller) {
  NAPI_ARGV(2)
  NAPI_ARGV_BUFFER_CAST(fuse_thread_locals_t *, l, 0);
  NAPI_ARGV_BUFFER_CAST(uint32_t *, out, 1);
  out[0] = l->caller_uid;
  out[1] = l->caller_gid;
  return NULL;
}

NAPI_METHOD(fuse_native_mount) {`,
  },
  {
    find: '  NAPI_EXPORT_FUNCTION(fuse_native_mount)',
    replace: '  NAPI_EXPORT_FUNCTION(fuse_native_mount)\n  NAPI_EXPORT_FUNCTION(fuse_native_caller)',
  },
  { find: '#include <string.h>', replace: '#include <string.h>\n#include <errno.h>' },
  { find: GETXATTR_LINUX, replace: `${GETXATTR_LINUX}\n  if (strncmp(name, "user.", 5) != 0) return -EOPNOTSUPP;` },
  // The flush of a handle that cannot write (its fd carries READ_ONLY_FD_BIT, handle-table.ts) has
  // nothing to commit: answered here, it spares a trip through the event loop on every close of a
  // reader (rsync opens each file it sends read-only once more, for its fchmod).
  { find: FLUSH_METHOD, replace: `${FLUSH_METHOD}\n  if (info != NULL && (info->fh & ${READ_ONLY_FD_BIT}ULL)) return 0;` },
  // Attribute cache (the next seven entries): libfuse 2's path API follows every create, mknod,
  // mkdir, setattr (chmod, chown, utimens, truncate) and open with a getattr, the kernel asks for the
  // folder's attributes again after each entry added to it, and every lookup after a readdir is a
  // getattr too (libfuse 2 has no readdirplus). JS hands over, with its reply, the attributes its
  // getattr would answer right then (fuse_native_attr_prime; for readdir, the stats beside the
  // names), and those getattrs are answered here without a round trip through the event loop.
  // Never stale through the mount: every op that can change a node bumps a generation for each path
  // it touches (its folders too when it adds or removes an entry) when it starts and when it ends
  // (release only when it ends: the kernel sends it after close(2) has returned);
  // an op's own attributes are kept only when nothing else touched those paths in between, and an
  // entry is served only while no later op touched its path. A rename of anything but a plain file
  // moves a whole subtree, so it retires every entry (a file's rename changes only its two paths
  // and their folders, which it touches). Generations live in a table of buckets by path hash (a
  // collision only costs a miss), entries in a bounded table, and each lasts ATTR_CACHE_TTL_NS at
  // most: a change made elsewhere (the change feed, an upload landing) shows at most that much later
  // than it would through the kernel's own attribute cache (KERNEL_CACHE_SEC, mount.ts). The same
  // generations keep the names of folders made through the mount, so that the lookup of a name
  // such a folder lacks is answered ENOENT here (attr-cache-c.ts): rsync's temporary and final
  // names, cp's targets.
  // Per-request state: the generation the op started at and what JS handed over for it.
  { find: '  // Internal bookkeeping\n', replace: `  // Attribute cache: the generation when this op started, and the attributes JS handed over for
  // its path, dest, path's folder and dest's folder (bit i of attr_primed says slot i is set).
  uint64_t attr_started_gen;
  uint32_t attr_primed;
  // Bit i: the listing of the op's path in slot i was valid when the op started (attr-cache-c.ts).
  uint32_t listing_held;
  // JS found that the op changed nothing getattr answers (a writer's release after its flush).
  uint32_t attr_unchanged;
  struct stat attr_prime[4];

  // Internal bookkeeping\n` },
  // The cache itself (attr-cache-c.ts), after the helpers it uses; then the lazy opens (lazy-open-c.ts).
  { find: '// Methods\n', replace: `${ATTR_CACHE_C}
${LAZY_OPEN_C}
// Methods\n` },
  // Every op, as it leaves for JS: the paths it may change are touched.
  { find: '  blk\\\n  uv_async_send(&(l->async));\\', replace: '  blk\\\n  attr_cache_op_started(l);\\\n  lazy_op_started(l);\\\n  uv_async_send(&(l->async));\\' },
  // Every answer, before its libfuse thread goes on: touched again, and what JS handed over is kept.
  { find: '    l->res = res;\\\n    uv_sem_post(&(l->sem));\\', replace: '    l->res = res;\\\n    attr_cache_op_done(l);\\\n    lazy_op_done(l);\\\n    uv_sem_post(&(l->sem));\\' },
  // Lazy opens (lazy-open-c.ts; the next two, and the hooks beside attr_cache_op_started and
  // attr_cache_op_done above): rsync's receiver opens each file it wrote once more, read-only, only to
  // fchmod it, so its OPEN and RELEASE were two trips through the event loop for a handle nobody
  // reads. A read-only open (no O_TRUNC) of a path JS described as a regular file less than
  // ATTR_CACHE_TTL_SEC ago gets an fd of a bounded C table here (LAZY_FD_BIT | READ_ONLY_FD_BIT | slot;
  // a full table sends the open to JS). libfuse counts the open as any other (its auto_cache getattr
  // follows, answered from the attribute cache when it holds the path). The first op that uses the
  // fd on its way to JS (a read) marks it adopted, and JS opens its VFS handle then (ops.ts; reads in
  // flight at once share that open); an adopted fd's release goes to JS, whose answer frees the slot;
  // one never adopted is released here. libfuse renames a file unlinked or renamed over while open to
  // a hidden name first: the slots follow every rename, and JS takes (adopts) the fds at the path
  // before it removes the file from the VFS (fuse_native_lazy_take), so a read after the unlink
  // still gets the old bytes. The counts of opens and releases answered here: fuse_native_lazy_counts.
  { find: OPEN_METHOD, replace: `${OPEN_METHOD}\n  if (lazy_open(path, info)) return 0;` },
  { find: RELEASE_METHOD, replace: `${RELEASE_METHOD}\n  if (lazy_release(info)) return 0;` },
  // chmod that changes nothing: answered here (attr-cache-c.ts says when).
  { find: CHMOD_METHOD, replace: `${CHMOD_METHOD}\n  if (attr_cache_same_mode(path, mode)) return 0;` },
  // getattr: answered here when the cache holds the path, or the listing of its folder lacks its name.
  { find: GETATTR_METHOD, replace: `${GETATTR_METHOD}\n  if (attr_cache_answer(path, stat)) return 0;\n  if (attr_cache_missing(path)) return -ENOENT;` },
  // glibc's readdir skips an entry whose d_ino is 0 (a virtual node's ino): list it as libfuse lists
  // a name without attributes (FUSE_UNKNOWN_INO), after keeping its attributes as getattr answers them.
  { find: '      populate_stat(stats_array, &st);\n', replace: '      populate_stat(stats_array, &st);\n      attr_cache_listed(l, name, &st);\n      if (st.st_ino == 0) st.st_ino = 0xffffffff;\n' },
  // What JS calls: hand attributes over, and count the getattrs answered here.
  {
    find: '  NAPI_EXPORT_FUNCTION(fuse_native_unmount)',
    replace: '  NAPI_EXPORT_FUNCTION(fuse_native_unmount)\n  NAPI_EXPORT_FUNCTION(fuse_native_attr_prime)\n  NAPI_EXPORT_FUNCTION(fuse_native_attr_unchanged)\n  NAPI_EXPORT_FUNCTION(fuse_native_attr_hits)\n  NAPI_EXPORT_FUNCTION(fuse_native_ended)\n  NAPI_EXPORT_FUNCTION(fuse_native_lazy_take)\n  NAPI_EXPORT_FUNCTION(fuse_native_lazy_counts)',
  },
  // The end of the kernel connection (the next three): after a lazy unmount the kernel sends the
  // last RELEASE in the background and then tears the connection down, dropping that RELEASE unless
  // a libfuse thread read it first; a writer's handle then never closes and its upload waits for
  // it forever (the stop hung in its drain). libfuse's loop ends once the connection is gone, so
  // from then on no request can come: JS asks fuse_native_ended and lets go of what is still open.
  { find: '  char mntopts[1024];\n  int mounted;\n', replace: '  char mntopts[1024];\n  int mounted;\n  int ended;\n' },
  { find: '  fuse_destroy(ft->fuse);\n', replace: '  fuse_destroy(ft->fuse);\n  __atomic_store_n(&ft->ended, 1, __ATOMIC_RELEASE);\n' },
  {
    find: 'NAPI_METHOD(fuse_native_unmount) {',
    replace: `NAPI_METHOD(fuse_native_ended) {
  NAPI_ARGV(1)
  NAPI_ARGV_BUFFER_CAST(fuse_thread_t *, ft, 0);
  NAPI_RETURN_UINT32(__atomic_load_n(&ft->ended, __ATOMIC_ACQUIRE))
}

NAPI_METHOD(fuse_native_unmount) {`,
  },
  // Readdir by offset (the next four): libfuse2 keeps a whole folder in memory when the filler gets
  // offset 0 for every entry, as fuse-native's does. With an offset per entry it hands the kernel one
  // buffer at a time: JS gets the kernel's offset (after the path), answers one page of names with the
  // offset to resume after each (a Float64Array after the stats), and the filler stops at the first
  // name that does not fit; the kernel then asks again from the last one it took (fuse/dir-streams.ts).
  // A listing JS answered whole (all of it fitted one kernel buffer) ends there: the kernel's next
  // readdir, from its last name's offset, is answered "no more names" here, not by a round trip
  // through JS for an empty page (ls -lR, find, du: one readdir reaching JS per small folder, not two).
  { find: READDIR_METHOD, replace: `${READDIR_METHOD.replace('(readdir, 1, 2,', '(readdir, 3, 3,')}\n  if (offset != 0 && readdir_end_take(path, offset)) return 0;` },
  {
    find: READDIR_ARGS,
    replace: `${READDIR_PATH_ARG}
  FUSE_UINT64_TO_INTS_ARGV(l->offset, 3)
}, {
  double *next_offsets = NULL;
  size_t next_offsets_count = 0;
  napi_typedarray_type next_offsets_type;
  if (napi_get_typedarray_info(env, argv[4], &next_offsets_type, &next_offsets_count, (void **) &next_offsets, NULL, NULL) != napi_ok
      || next_offsets_type != napi_float64_array) next_offsets_count = 0;
  uint32_t stats_length;
  uint32_t filled = 0;`,
  },
  { find: READDIR_FILL_NAME, replace: `${READDIR_FILL_NAME.replace('NULL, 0)', `NULL, ${READDIR_NEXT_OFFSET})`)}\n      if (err != 1) filled++;` },
  { find: READDIR_FILL_STAT, replace: `${READDIR_FILL_STAT.replace('&st, 0)', `&st, ${READDIR_NEXT_OFFSET})`)}\n      if (err != 1) filled++;` },
  // JS marks a whole listing with one offset more than names, negative; kept only if every name went in.
  {
    find: READDIR_SIGNAL_END,
    replace: `  }
  if (res >= 0 && names_length > 0 && filled == names_length && next_offsets_count == names_length + 1 && next_offsets[names_length] < 0) {
    readdir_end_mark(l->path, (off_t) next_offsets[names_length - 1]);
  }
})

#ifdef __APPLE__`,
  },
];

/** Which of an op's paths handed-over attributes are for: its path, its dest, and their folders. */
export const ATTR_SLOT = { path: 0, dest: 1, folder: 2, destFolder: 3 } as const;
export type AttrSlot = (typeof ATTR_SLOT)[keyof typeof ATTR_SLOT];

export interface FuseBinding {
  Fuse: typeof FuseClass;
  /** The fixed binding is loaded: nanosecond times, UTIME_NOW/OMIT and the caller's ids (false with the shipped binary). */
  fixed: boolean;
  /** The uid and gid of the request whose handler is given (fixed binding only). */
  callerOf?: (nativeHandler: unknown) => { uid: number; gid: number };
  /**
   * Hands the binding what getattr would answer now for one of the paths of the request whose
   * handler is given, before that request is answered (fixed binding only; stat as fuse-class.ts encodes it).
   */
  primeAttrs?: (nativeHandler: unknown, slot: AttrSlot, stat: Uint32Array) => void;
  /**
   * Tells the binding that the request whose handler is given changed nothing getattr answers, so
   * the attributes it holds for the request's paths stay valid (fixed binding only).
   */
  unchangedAttrs?: (nativeHandler: unknown) => void;
  /** Requests the binding answered so far without JS: getattrs from the attribute cache, ENOENT from a folder's names, chmods that changed nothing. */
  attrHits?: () => { attrs: number; missing: number; sameMode: number };
  /**
   * Whether the kernel connection of a mounted Fuse is gone (its libfuse loop ended): no request can
   * come any more, so a handle still open was never released (fixed binding only).
   */
  connectionEnded?: (fuse: FuseClass) => boolean;
  /**
   * The fds of the read-only opens the binding answered at this path and JS has not adopted yet
   * (lazy-open-c.ts); from now on they count as adopted: JS must open their VFS handles (fixed binding only).
   */
  lazyTake?: (path: string) => number[];
  /** Requests the binding answered without JS: read-only opens, and releases of such handles JS never used. */
  lazyCounts?: () => { opens: number; releases: number };
}

/** How many fds one call of fuse_native_lazy_take returns at most; lazyTake asks again while it is full. */
const LAZY_TAKE_BATCH = 64;

/** Builds (or reuses) the fixed binding under buildRoot, then loads fuse-native. Call before any other import of it. */
export async function loadFuse(buildRoot: string, logger: Logger): Promise<FuseBinding> {
  let fixed = !!process.env.FUSE_NATIVE_PREBUILD;
  if (!fixed) {
    try {
      const dir = await buildFixedBinding(buildRoot, logger);
      if (dir) {
        process.env.FUSE_NATIVE_PREBUILD = dir;
        fixed = true;
      } else {
        logger.warn('fuse-native\'s C source is not the one pdsfs knows how to fix; mtimes and POSIX attributes set through the mount will not be stored');
      }
    } catch (err) {
      logger.warn({ err }, 'cannot build the fixed fuse-native binding (needs cc, Node headers, libfuse2); mtimes and POSIX attributes set through the mount will not be stored');
    }
  }
  const { default: Fuse } = await import('fuse-native');
  if (!fixed) return { Fuse, fixed };
  const native = nativeModule();
  const ids = new Uint32Array(2);
  const callerOf = (handler: unknown) => {
    native.fuse_native_caller(handler, ids);
    return { uid: ids[0]!, gid: ids[1]! };
  };
  return {
    Fuse,
    fixed,
    callerOf,
    primeAttrs: (handler, slot, stat) => native.fuse_native_attr_prime(handler, slot, stat),
    unchangedAttrs: (handler) => native.fuse_native_attr_unchanged(handler),
    attrHits: () => ({ attrs: native.fuse_native_attr_hits(0), missing: native.fuse_native_attr_hits(1), sameMode: native.fuse_native_attr_hits(2) }),
    lazyTake: (p) => {
      const fds: number[] = [];
      const out = new Uint32Array(LAZY_TAKE_BATCH);
      for (;;) {
        const n = native.fuse_native_lazy_take(p, out);
        fds.push(...out.subarray(0, n));
        if (n < out.length) return fds;
      }
    },
    lazyCounts: () => ({ opens: native.fuse_native_lazy_counts(0), releases: native.fuse_native_lazy_counts(1) }),
    // fuse-native keeps its libfuse thread's state in _thread, allocated by mount.
    connectionEnded: (fuse) => {
      const thread = (fuse as unknown as { _thread?: Buffer })._thread;
      return thread !== undefined && native.fuse_native_ended(thread) === 1;
    },
  };
}

/** What the fixed binding adds to fuse-native's exports. */
interface FixedExports {
  fuse_native_caller(handler: unknown, out: Uint32Array): void;
  fuse_native_attr_prime(handler: unknown, slot: number, stat: Uint32Array): void;
  fuse_native_attr_unchanged(handler: unknown): void;
  fuse_native_attr_hits(which: 0 | 1 | 2): number;
  fuse_native_ended(thread: Buffer): number;
  fuse_native_lazy_take(path: string, out: Uint32Array): number;
  fuse_native_lazy_counts(which: 0 | 1): number;
}

/** The binding fuse-native loaded (node-gyp-build caches it, so this is the same instance). */
function nativeModule(): FixedExports {
  const fromHere = createRequire(import.meta.url);
  const pkgDir = path.dirname(fromHere.resolve('fuse-native/package.json'));
  const load = createRequire(path.join(pkgDir, 'package.json'))('node-gyp-build') as (dir: string) => FixedExports;
  return load(pkgDir);
}

/** Directory holding build/Release/fuse.node, or undefined when the installed source has no bug to fix. */
async function buildFixedBinding(buildRoot: string, logger: Logger): Promise<string | undefined> {
  const fromHere = createRequire(import.meta.url);
  const pkgDir = path.dirname(fromHere.resolve('fuse-native/package.json'));
  const source = await fs.readFile(path.join(pkgDir, 'fuse-native.c'), 'utf8');
  let fixed = source;
  for (const { find, replace } of PATCHES) {
    if (fixed.split(find).length !== 2) return undefined;
    fixed = fixed.replace(find, () => replace);
  }

  const key = createHash('sha256').update(fixed).update(process.platform + process.arch).digest('hex').slice(0, 16);
  const dir = path.join(buildRoot, key);
  const out = path.join(dir, 'build', 'Release', 'fuse.node');
  if (await exists(out)) return dir;

  const fromFuse = createRequire(path.join(pkgDir, 'package.json'));
  const sharedLib = path.dirname(fromFuse.resolve('fuse-shared-library/package.json'));
  const fromShared = createRequire(path.join(sharedLib, 'package.json'));
  const libfuseDir = path.join(path.dirname(fromShared.resolve(`fuse-shared-library-${process.platform}/package.json`)), 'libfuse');
  const napiMacros = path.dirname(fromFuse.resolve('napi-macros/package.json'));
  const nodeHeaders = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');

  await fs.mkdir(path.dirname(out), { recursive: true });
  // Unique temporaries and a final rename: two mounts starting at once both end with a whole file.
  const tmpSource = path.join(dir, `fuse-native.${process.pid}.c`);
  const tmpOut = `${out}.${process.pid}.tmp`;
  await fs.writeFile(tmpSource, fixed);
  try {
    await run('cc', [
      '-shared', '-fPIC', '-O2', '-D_FILE_OFFSET_BITS=64',
      `-I${nodeHeaders}`, `-I${napiMacros}`, `-I${path.join(libfuseDir, 'include')}`,
      tmpSource, '-o', tmpOut, path.join(libfuseDir, 'lib', 'libfuse.so'), '-lpthread',
    ]);
    await fs.rename(tmpOut, out);
    logger.info({ dir }, 'built the fixed fuse-native binding');
  } finally {
    await fs.rm(tmpSource, { force: true });
    await fs.rm(tmpOut, { force: true });
  }
  return dir;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}
