// The C half of the attribute cache the fixed binding carries (native-binding.ts says why and when
// an entry may be served). Inserted into fuse-native.c after its helpers, so it sees the opcodes,
// fuse_thread_locals_t and populate_stat.

/** How long handed-over attributes may answer a getattr, in seconds: on top of the kernel's own window. */
export const ATTR_CACHE_TTL_SEC = 2;

export const ATTR_CACHE_C = String.raw`
// pdsfs: attribute cache (see src/fuse/native-binding.ts in pdsfs).
#include <time.h>

#define ATTR_CACHE_SLOTS 16384
#define ATTR_TOUCH_BUCKETS 65536
#define ATTR_CACHE_TTL_NS (${ATTR_CACHE_TTL_SEC}ULL * 1000000000ULL)

typedef struct {
  char *path;
  uint64_t gen;      // the generation at which these attributes were true
  uint64_t expires;  // CLOCK_MONOTONIC ns
  struct stat st;
} attr_entry_t;

static pthread_mutex_t attr_lock = PTHREAD_MUTEX_INITIALIZER;
static attr_entry_t attr_entries[ATTR_CACHE_SLOTS];
// The last generation at which an op touched a path hashing into each bucket.
static uint64_t attr_touched[ATTR_TOUCH_BUCKETS];
static uint64_t attr_gen = 0;
// Entries from before this generation are retired (a rename moves whole subtrees).
static uint64_t attr_floor = 0;
static double attr_hit_count = 0;

static uint64_t attr_hash (const char *path, size_t len) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char) path[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static uint64_t *attr_bucket (uint64_t h) {
  return &attr_touched[(h >> 32) & (ATTR_TOUCH_BUCKETS - 1)];
}

static attr_entry_t *attr_slot (uint64_t h) {
  return &attr_entries[h & (ATTR_CACHE_SLOTS - 1)];
}

static uint64_t attr_now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

// Length of the folder part of path ("/a/b" -> "/a", "/a" -> "/"); 0 when there is none.
static size_t attr_parent_len (const char *path, size_t len) {
  while (len > 0 && path[len - 1] != '/') len--;
  if (len == 0) return 0;
  return len > 1 ? len - 1 : 1;
}

// Ops that can change what getattr answers for the paths they name.
static int attr_op_changes (uint32_t op) {
  return op == op_truncate || op == op_ftruncate || op == op_utimens || op == op_chown || op == op_chmod
    || op == op_mknod || op == op_setxattr || op == op_removexattr || op == op_open || op == op_write
    || op == op_flush || op == op_fsync || op == op_release || op == op_create || op == op_unlink
    || op == op_rename || op == op_link || op == op_symlink || op == op_mkdir || op == op_rmdir;
}

// Ops that add or remove a folder entry: they change the folder's attributes too.
static int attr_op_changes_entries (uint32_t op) {
  return op == op_create || op == op_mknod || op == op_mkdir || op == op_symlink || op == op_link
    || op == op_unlink || op == op_rmdir || op == op_rename;
}

// The paths an op touches, by slot: 0 its path, 1 its dest, 2 and 3 their folders; length 0 = none.
static void attr_op_paths (fuse_thread_locals_t *l, const char **p, size_t *n) {
  int has_dest = l->op == op_rename || l->op == op_link || l->op == op_symlink;
  int folders = attr_op_changes_entries(l->op);
  p[0] = l->path;
  p[1] = has_dest ? l->dest : NULL;
  for (int i = 0; i < 2; i++) {
    n[i] = p[i] ? strlen(p[i]) : 0;
    p[i + 2] = p[i];
    n[i + 2] = folders && n[i] ? attr_parent_len(p[i], n[i]) : 0;
  }
}

// Keeps st for path (lock held): a slot holds one path, the newest one handed over wins it.
static void attr_store (const char *path, size_t len, const struct stat *st, uint64_t gen, uint64_t now) {
  attr_entry_t *e = attr_slot(attr_hash(path, len));
  if (e->path == NULL || strlen(e->path) != len || memcmp(e->path, path, len) != 0) {
    char *copy = malloc(len + 1);
    if (copy == NULL) return;
    memcpy(copy, path, len);
    copy[len] = 0;
    free(e->path);
    e->path = copy;
  }
  e->st = *st;
  e->gen = gen;
  e->expires = now + ATTR_CACHE_TTL_NS;
}

// Called on the libfuse thread before the op goes to JS.
static void attr_cache_op_started (fuse_thread_locals_t *l) {
  l->attr_primed = 0;
  pthread_mutex_lock(&attr_lock);
  // release comes after close(2) returned (the kernel sends it by itself): what getattr answers
  // meanwhile is concurrent with it, so only its end counts (the getattr the kernel sends after a
  // written file is closed then finds what flush handed over).
  if (attr_op_changes(l->op) && l->op != op_release) {
    const char *p[4];
    size_t n[4];
    attr_op_paths(l, p, n);
    uint64_t gen = ++attr_gen;
    for (int i = 0; i < 4; i++) if (n[i]) *attr_bucket(attr_hash(p[i], n[i])) = gen;
    if (l->op == op_rename) attr_floor = gen;
    l->attr_started_gen = gen;
  } else {
    l->attr_started_gen = attr_gen;
  }
  pthread_mutex_unlock(&attr_lock);
}

// Called on the JS thread with the op's answer, before the libfuse thread goes on.
static void attr_cache_op_done (fuse_thread_locals_t *l) {
  if (!attr_op_changes(l->op)) return;
  const char *p[4];
  size_t n[4];
  uint64_t h[4];
  int keep[4];
  attr_op_paths(l, p, n);
  uint64_t now = attr_now_ns();
  pthread_mutex_lock(&attr_lock);
  int ok = l->res >= 0 && attr_floor <= l->attr_started_gen;
  // Kept only when no other op touched the path since this one started: JS read them after its own change.
  for (int i = 0; i < 4; i++) {
    h[i] = n[i] ? attr_hash(p[i], n[i]) : 0;
    keep[i] = ok && n[i] && (l->attr_primed & (1u << i)) && *attr_bucket(h[i]) <= l->attr_started_gen;
  }
  uint64_t gen = ++attr_gen;
  for (int i = 0; i < 4; i++) if (n[i]) *attr_bucket(h[i]) = gen;
  if (l->op == op_rename) attr_floor = gen;
  for (int i = 0; i < 4; i++) if (keep[i]) attr_store(p[i], n[i], &l->attr_prime[i], gen, now);
  pthread_mutex_unlock(&attr_lock);
  l->attr_primed = 0;
}

// readdir's answer: each listed name with the attributes getattr would give it.
static void attr_cache_listed (fuse_thread_locals_t *l, const char *name, const struct stat *st) {
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return;
  char full[4096];
  int len = snprintf(full, sizeof(full), "%s/%s", strcmp(l->path, "/") == 0 ? "" : l->path, name);
  if (len <= 0 || (size_t) len >= sizeof(full)) return;
  uint64_t h = attr_hash(full, len);
  uint64_t now = attr_now_ns();
  pthread_mutex_lock(&attr_lock);
  if (attr_floor <= l->attr_started_gen && *attr_bucket(h) <= l->attr_started_gen) attr_store(full, len, st, l->attr_started_gen, now);
  pthread_mutex_unlock(&attr_lock);
}

// getattr: answers from an entry no op touched since, within its lifetime.
static int attr_cache_answer (const char *path, struct stat *st) {
  size_t len = strlen(path);
  uint64_t h = attr_hash(path, len);
  uint64_t now = attr_now_ns();
  int hit = 0;
  pthread_mutex_lock(&attr_lock);
  attr_entry_t *e = attr_slot(h);
  if (e->path != NULL && strcmp(e->path, path) == 0 && now < e->expires && e->gen >= attr_floor && e->gen >= *attr_bucket(h)) {
    *st = e->st;
    attr_hit_count++;
    hit = 1;
  }
  pthread_mutex_unlock(&attr_lock);
  return hit;
}

// JS hands over what its getattr would answer for one of the op's paths (slot as in attr_op_paths).
NAPI_METHOD(fuse_native_attr_prime) {
  NAPI_ARGV(3)
  NAPI_ARGV_BUFFER_CAST(fuse_thread_locals_t *, l, 0);
  NAPI_ARGV_UINT32(slot, 1);
  NAPI_ARGV_BUFFER_CAST(uint32_t *, ints, 2);
  if (slot < 4) {
    memset(&l->attr_prime[slot], 0, sizeof(struct stat));
    populate_stat(ints, &l->attr_prime[slot]);
    l->attr_primed |= 1u << slot;
  }
  return NULL;
}

// How many getattrs were answered here, without JS.
NAPI_METHOD(fuse_native_attr_hits) {
  pthread_mutex_lock(&attr_lock);
  double hits = attr_hit_count;
  pthread_mutex_unlock(&attr_lock);
  napi_value out;
  napi_create_double(env, hits, &out);
  return out;
}
`;
