// The C half of lazy read-only opens in the fixed binding (native-binding.ts says why and when).
// Inserted into fuse-native.c after the attribute cache (attr-cache-c.ts), whose lookup it uses.
import { LAZY_FD_BIT, READ_ONLY_FD_BIT } from './handle-table.js';

/** How many read-only opens the binding holds at once (a power of two); past it an open goes to JS. */
export const LAZY_OPEN_SLOTS = 1024;

export const LAZY_OPEN_C = String.raw`
// pdsfs: read-only opens answered here (see src/fuse/native-binding.ts in pdsfs).
#include <fcntl.h>

#define LAZY_SLOTS ${LAZY_OPEN_SLOTS}
#define LAZY_FD_BIT ${LAZY_FD_BIT}ULL
#define LAZY_READ_ONLY_BIT ${READ_ONLY_FD_BIT}ULL

// A handle of a slot: its fh, the file's path in the mount (kept across renames, for an unlink
// while open), and whether JS holds a VFS handle for it (then its release goes to JS). path NULL: a
// free slot. An fh is the two bits, a serial number and the slot: a slot used again gets another fh,
// so an fh whose release was answered (even late, past JS's time limit) never names a later open.
typedef struct {
  char *path;
  uint64_t fh;
  int adopted;
} lazy_handle_t;

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;
static lazy_handle_t lazy_handles[LAZY_SLOTS];
// Where the search for a free slot starts: the one after the last taken.
static uint32_t lazy_next = 0;
static uint64_t lazy_serial = 0;
static double lazy_open_count = 0;
static double lazy_release_count = 0;

static uint64_t lazy_fh (uint32_t slot) {
  uint64_t serial = ++lazy_serial & ((LAZY_FD_BIT - 1) / LAZY_SLOTS);
  return LAZY_READ_ONLY_BIT | LAZY_FD_BIT | serial * LAZY_SLOTS | slot;
}

// The slot holding a lazy fh (lock held), or NULL for any other fh.
static lazy_handle_t *lazy_of (uint64_t fh) {
  if (!(fh & LAZY_FD_BIT)) return NULL;
  lazy_handle_t *h = &lazy_handles[fh & (LAZY_SLOTS - 1)];
  return h->path != NULL && h->fh == fh ? h : NULL;
}

static char *lazy_copy (const char *s, size_t len) {
  char *copy = malloc(len + 1);
  if (copy != NULL) {
    memcpy(copy, s, len);
    copy[len] = 0;
  }
  return copy;
}

// Whether JS described path as a regular file less than ATTR_CACHE_TTL_NS ago (an entry of the
// attribute cache, served or not: an op that touched the path since may have changed its
// attributes, which an open does not answer with).
static int lazy_seen_regular (const char *path) {
  size_t len = strlen(path);
  uint64_t now = attr_now_ns();
  pthread_mutex_lock(&attr_lock);
  attr_entry_t *e = attr_slot(attr_hash(path, len));
  int seen = e->path != NULL && strcmp(e->path, path) == 0 && now < e->expires && S_ISREG(e->st.st_mode);
  pthread_mutex_unlock(&attr_lock);
  return seen;
}

// open: a read-only open (no O_TRUNC) of a file JS described lately gets a lazy fh without JS. The
// kernel sends OPEN only for a node it holds as a regular file, with the path libfuse keeps for it
// through every rename and unlink made through the mount; the entry bounds what a change made
// elsewhere can do to the same window the attribute cache has (the node gone: the first read says
// so, where the open would have). Not libfuse's hidden names: the VFS no longer has them.
static int lazy_open (const char *path, struct fuse_file_info *info) {
  if ((info->flags & O_ACCMODE) != O_RDONLY || (info->flags & O_TRUNC)) return 0;
  if (strstr(path, "/.fuse_hidden") != NULL || !lazy_seen_regular(path)) return 0;
  char *copy = lazy_copy(path, strlen(path));
  if (copy == NULL) return 0;
  pthread_mutex_lock(&lazy_lock);
  for (uint32_t i = 0; i < LAZY_SLOTS; i++) {
    uint32_t s = (lazy_next + i) % LAZY_SLOTS;
    lazy_handle_t *h = &lazy_handles[s];
    if (h->path != NULL) continue;
    h->path = copy;
    h->fh = lazy_fh(s);
    h->adopted = 0;
    lazy_next = s + 1;
    lazy_open_count++;
    info->fh = h->fh;
    pthread_mutex_unlock(&lazy_lock);
    return 1;
  }
  pthread_mutex_unlock(&lazy_lock);
  free(copy);
  return 0;
}

// release: a lazy handle JS never adopted is let go here.
static int lazy_release (struct fuse_file_info *info) {
  if (info == NULL || !(info->fh & LAZY_FD_BIT)) return 0;
  char *path = NULL;
  pthread_mutex_lock(&lazy_lock);
  lazy_handle_t *h = lazy_of(info->fh);
  if (h != NULL && !h->adopted) {
    path = h->path;
    h->path = NULL;
    lazy_release_count++;
  }
  pthread_mutex_unlock(&lazy_lock);
  free(path);
  return path != NULL;
}

// Ops that carry the fh of the handle they use (and set l->info).
static int lazy_op_uses_fh (uint32_t op) {
  return op == op_read || op == op_write || op == op_flush || op == op_fsync || op == op_ftruncate || op == op_fgetattr;
}

// Before an op goes to JS: one that uses a lazy handle makes JS adopt it (open its VFS handle), so
// from then on its release goes to JS too. Set here, on the libfuse thread, before JS sees the op:
// the kernel sends the release only after every op on the handle was answered.
static void lazy_op_started (fuse_thread_locals_t *l) {
  if (!lazy_op_uses_fh(l->op) || l->info == NULL || !(l->info->fh & LAZY_FD_BIT)) return;
  pthread_mutex_lock(&lazy_lock);
  lazy_handle_t *h = lazy_of(l->info->fh);
  if (h != NULL) h->adopted = 1;
  pthread_mutex_unlock(&lazy_lock);
}

// A rename moves the paths of the lazy handles at or below from.
static void lazy_renamed (const char *from, const char *to) {
  size_t from_len = strlen(from);
  size_t to_len = strlen(to);
  pthread_mutex_lock(&lazy_lock);
  for (uint32_t s = 0; s < LAZY_SLOTS; s++) {
    char *p = lazy_handles[s].path;
    if (p == NULL || strncmp(p, from, from_len) != 0 || (p[from_len] != 0 && p[from_len] != '/')) continue;
    size_t rest = strlen(p + from_len);
    char *moved = malloc(to_len + rest + 1);
    if (moved == NULL) continue;
    memcpy(moved, to, to_len);
    memcpy(moved + to_len, p + from_len, rest + 1);
    lazy_handles[s].path = moved;
    free(p);
  }
  pthread_mutex_unlock(&lazy_lock);
}

// With an op's answer: an adopted handle's slot is free once JS answered its release (JS let go of
// its fd first, so a new lazy open never meets JS's entry of an old one); a rename moved paths.
static void lazy_op_done (fuse_thread_locals_t *l) {
  if (l->op == op_release && l->info != NULL && (l->info->fh & LAZY_FD_BIT)) {
    char *path = NULL;
    pthread_mutex_lock(&lazy_lock);
    lazy_handle_t *h = lazy_of(l->info->fh);
    if (h != NULL) {
      path = h->path;
      h->path = NULL;
    }
    pthread_mutex_unlock(&lazy_lock);
    free(path);
  } else if (l->op == op_rename && l->res >= 0) {
    lazy_renamed(l->path, l->dest);
  }
}

// JS takes the lazy handles open at a path that has not adopted them yet (before libfuse's hidden
// rename of a file unlinked while open removes it from the VFS): they are marked adopted and their
// fhs written to out; returns how many (at most out's length).
NAPI_METHOD(fuse_native_lazy_take) {
  NAPI_ARGV(2)
  NAPI_ARGV_UTF8_MALLOC(path, 0)
  NAPI_ARGV_BUFFER_CAST(uint32_t *, out, 1);
  size_t cap = out_len / sizeof(uint32_t);
  uint32_t n = 0;
  pthread_mutex_lock(&lazy_lock);
  for (uint32_t s = 0; s < LAZY_SLOTS && n < cap; s++) {
    lazy_handle_t *h = &lazy_handles[s];
    if (h->path == NULL || h->adopted || strcmp(h->path, path) != 0) continue;
    h->adopted = 1;
    out[n++] = (uint32_t) h->fh;
  }
  pthread_mutex_unlock(&lazy_lock);
  free(path);
  NAPI_RETURN_UINT32(n)
}

// How many requests were answered here: 0 read-only opens, 1 releases of handles JS never adopted.
NAPI_METHOD(fuse_native_lazy_counts) {
  NAPI_ARGV(1)
  NAPI_ARGV_UINT32(which, 0);
  pthread_mutex_lock(&lazy_lock);
  double n = which == 1 ? lazy_release_count : lazy_open_count;
  pthread_mutex_unlock(&lazy_lock);
  napi_value out;
  napi_create_double(env, n, &out);
  return out;
}
`;
