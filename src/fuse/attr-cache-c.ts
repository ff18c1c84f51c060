// The C half of the attribute cache the fixed binding carries (native-binding.ts says why and when
// an entry may be served). Inserted into fuse-native.c after its helpers, so it sees the opcodes,
// fuse_thread_locals_t and populate_stat.

/** How long handed-over attributes may answer a getattr, in seconds: on top of the kernel's own window. */
export const ATTR_CACHE_TTL_SEC = 2;

/**
 * How long after a folder was made through the mount the binding answers "no such file" for names
 * it lacks, in seconds: the kernel's own window for a name it was told is missing (negative_timeout,
 * KERNEL_CACHE_SEC in mount.ts). Long enough for rsync, whose generator makes a level's folders
 * before it sends their files.
 */
export const LISTING_TTL_SEC = 10;

export const ATTR_CACHE_C = String.raw`
// pdsfs: attribute cache (see src/fuse/native-binding.ts in pdsfs).
#include <time.h>

#define ATTR_CACHE_SLOTS 16384
#define ATTR_TOUCH_BUCKETS 65536
#define ATTR_CACHE_TTL_NS (${ATTR_CACHE_TTL_SEC}ULL * 1000000000ULL)
#define ATTR_LISTING_TTL_NS (${LISTING_TTL_SEC}ULL * 1000000000ULL)
#define ATTR_LISTING_SLOTS 4096
#define ATTR_LISTING_MAX_NAMES 1024

typedef struct {
  char *path;
  uint64_t gen;      // the generation at which these attributes were true
  uint64_t expires;  // CLOCK_MONOTONIC ns
  struct stat st;
} attr_entry_t;

// The complete set of names of a folder made through the mount (mkdir), kept up to date by the ops
// that add or remove its entries, so that a lookup of a name it lacks (rsync's temporary name, then
// its final one; cp's target) is answered ENOENT here. Valid on the same terms as an entry: no op
// touched the folder since gen except the ones applied to it, no rename of a folder retired it, and
// within its lifetime, which counts from the mkdir and is never extended (a name made elsewhere, by
// the change feed, a conflict copy or a share saved into it, reads as missing for at most
// ATTR_LISTING_TTL_NS after the mkdir). Only ASCII names (pdsfs matches names by their NFC spelling,
// which two different ASCII spellings never share) and at most ATTR_LISTING_MAX_NAMES; past either
// the folder is no longer held.
typedef struct {
  char *path;
  uint64_t gen;
  uint64_t expires;
  uint32_t count;
  uint32_t cap;
  uint64_t *names;   // hashes of the names: a collision only sends a lookup to JS
} attr_listing_t;

static pthread_mutex_t attr_lock = PTHREAD_MUTEX_INITIALIZER;
static attr_entry_t attr_entries[ATTR_CACHE_SLOTS];
// The last generation at which an op touched a path hashing into each bucket.
static uint64_t attr_touched[ATTR_TOUCH_BUCKETS];
static uint64_t attr_gen = 0;
// Entries from before this generation are retired (a rename moves whole subtrees).
static uint64_t attr_floor = 0;
static double attr_hit_count = 0;
static attr_listing_t attr_listings[ATTR_LISTING_SLOTS];
static double attr_missing_count = 0;
static double attr_same_mode_count = 0;

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

static int attr_is_ascii (const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) if ((unsigned char) s[i] >= 0x80) return 0;
  return 1;
}

// Where the listing of the folder with path hash h goes: the low bits, which every byte of the
// path moves (FNV-1a's upper bits barely depend on the last few, so sibling folders would share).
// One folder a slot, the newest: an rsync makes a tree's folders well before it sends their files,
// and with 256 slots a third of its 111 folders had lost their names to another by then.
static attr_listing_t *attr_listing_slot (uint64_t h) {
  return &attr_listings[h & (ATTR_LISTING_SLOTS - 1)];
}

// The listing held for the folder at path, if any (lock held).
static attr_listing_t *attr_listing_of (const char *path, size_t len, uint64_t h) {
  attr_listing_t *d = attr_listing_slot(h);
  return d->path != NULL && strlen(d->path) == len && memcmp(d->path, path, len) == 0 ? d : NULL;
}

static void attr_listing_drop (attr_listing_t *d) {
  free(d->path);
  free(d->names);
  memset(d, 0, sizeof(*d));
}

static int attr_listing_valid (const attr_listing_t *d, uint64_t h, uint64_t now) {
  return d->gen >= attr_floor && d->gen >= *attr_bucket(h) && now < d->expires;
}

static int attr_listing_has (const attr_listing_t *d, uint64_t name_hash) {
  for (uint32_t i = 0; i < d->count; i++) if (d->names[i] == name_hash) return 1;
  return 0;
}

// The name part of path ("/a/b" -> "b").
static const char *attr_base (const char *path, size_t len, size_t *base_len) {
  size_t start = len;
  while (start > 0 && path[start - 1] != '/') start--;
  *base_len = len - start;
  return path + start;
}

// Adds or removes the last name of child in d; 0 when d can no longer be held.
static int attr_listing_change (attr_listing_t *d, const char *child, size_t child_len, int add) {
  size_t n;
  const char *name = attr_base(child, child_len, &n);
  if (!attr_is_ascii(name, n)) return 0;
  uint64_t nh = attr_hash(name, n);
  for (uint32_t i = 0; i < d->count; i++) {
    if (d->names[i] != nh) continue;
    if (!add) d->names[i] = d->names[--d->count];
    return 1;
  }
  if (!add) return 1;
  if (d->count == d->cap) {
    if (d->cap >= ATTR_LISTING_MAX_NAMES) return 0;
    uint32_t cap = d->cap ? d->cap * 2 : 16;
    uint64_t *names = realloc(d->names, cap * sizeof(uint64_t));
    if (names == NULL) return 0;
    d->names = names;
    d->cap = cap;
  }
  d->names[d->count++] = nh;
  return 1;
}

// A folder the op made: empty, complete as of gen (lock held).
static void attr_listing_new (const char *path, size_t len, uint64_t h, uint64_t gen, uint64_t now) {
  attr_listing_t *d = attr_listing_slot(h);
  attr_listing_drop(d);
  d->path = malloc(len + 1);
  if (d->path == NULL) return;
  memcpy(d->path, path, len);
  d->path[len] = 0;
  d->gen = gen;
  d->expires = now + ATTR_LISTING_TTL_NS;
}

// After an op that touched the paths p (lock held; untouched[i]: no other op touched p[i] since
// this one started): the listings it kept up to date become valid as of gen; the others go.
// Slots as in attr_op_paths: 0 the op's path, 1 its dest, 2 and 3 their folders.
static void attr_listings_after (fuse_thread_locals_t *l, const char **p, const size_t *n, const uint64_t *h, const int *untouched, uint64_t gen, uint64_t now) {
  int ok = l->res >= 0;
  for (int i = 0; i < 4; i++) {
    if (!n[i]) continue;
    if (i == 0 && l->op == op_mkdir && ok && untouched[0]) {
      attr_listing_new(p[0], n[0], h[0], gen, now);
      continue;
    }
    attr_listing_t *d = attr_listing_of(p[i], n[i], h[i]);
    if (d == NULL) continue;
    int keep = ok && untouched[i] && (l->listing_held & (1u << i));
    // The folder itself removed or replaced.
    if ((i == 0 && (l->op == op_rmdir || l->op == op_unlink || l->op == op_rename)) || i == 1) keep = 0;
    // A name of the folder added or removed (symlink's and link's first path is not one they add).
    if (keep && i == 2 && (l->op == op_create || l->op == op_mknod || l->op == op_mkdir)) keep = attr_listing_change(d, p[0], n[0], 1);
    if (keep && i == 2 && (l->op == op_unlink || l->op == op_rmdir || l->op == op_rename)) keep = attr_listing_change(d, p[0], n[0], 0);
    if (keep && i == 3) keep = attr_listing_change(d, p[1], n[1], 1);
    if (keep) d->gen = gen;
    else attr_listing_drop(d);
  }
}

// getattr: a name the folder's listing lacks does not exist.
static int attr_cache_missing (const char *path) {
  size_t len = strlen(path);
  size_t folder_len = attr_parent_len(path, len);
  size_t name_len;
  const char *name = attr_base(path, len, &name_len);
  if (folder_len == 0 || name_len == 0 || !attr_is_ascii(name, name_len)) return 0;
  uint64_t fh = attr_hash(path, folder_len);
  uint64_t nh = attr_hash(name, name_len);
  uint64_t now = attr_now_ns();
  int missing = 0;
  pthread_mutex_lock(&attr_lock);
  attr_listing_t *d = attr_listing_of(path, folder_len, fh);
  if (d != NULL && attr_listing_valid(d, fh, now) && !attr_listing_has(d, nh)) {
    attr_missing_count++;
    missing = 1;
  }
  pthread_mutex_unlock(&attr_lock);
  return missing;
}

// Called on the libfuse thread before the op goes to JS.
static void attr_cache_op_started (fuse_thread_locals_t *l) {
  l->attr_primed = 0;
  l->listing_held = 0;
  l->attr_unchanged = 0;
  pthread_mutex_lock(&attr_lock);
  // release comes after close(2) returned (the kernel sends it by itself): what getattr answers
  // meanwhile is concurrent with it, so only its end counts (the getattr the kernel sends after a
  // written file is closed then finds what flush handed over).
  if (attr_op_changes(l->op) && l->op != op_release) {
    const char *p[4];
    size_t n[4];
    attr_op_paths(l, p, n);
    uint64_t now = attr_now_ns();
    uint64_t h[4];
    for (int i = 0; i < 4; i++) {
      if (!n[i]) continue;
      h[i] = attr_hash(p[i], n[i]);
      // Which listings this op may keep up to date: those valid as it starts (a rename within one
      // folder has it twice, so all are looked at before any is touched).
      attr_listing_t *d = attr_listing_of(p[i], n[i], h[i]);
      if (d != NULL && attr_listing_valid(d, h[i], now)) l->listing_held |= 1u << i;
    }
    uint64_t gen = ++attr_gen;
    for (int i = 0; i < 4; i++) if (n[i]) *attr_bucket(h[i]) = gen;
    l->attr_started_gen = gen;
  } else {
    l->attr_started_gen = attr_gen;
  }
  pthread_mutex_unlock(&attr_lock);
}

// Called on the JS thread with the op's answer, before the libfuse thread goes on.
static void attr_cache_op_done (fuse_thread_locals_t *l) {
  if (!attr_op_changes(l->op)) return;
  // Only release may say so (it touches nothing as it starts): what others stored meanwhile stays.
  if (l->attr_unchanged && l->op == op_release) {
    l->attr_primed = 0;
    return;
  }
  const char *p[4];
  size_t n[4];
  uint64_t h[4];
  int keep[4];
  int untouched[4];
  attr_op_paths(l, p, n);
  uint64_t now = attr_now_ns();
  pthread_mutex_lock(&attr_lock);
  int ok = l->res >= 0 && attr_floor <= l->attr_started_gen;
  // Kept only when no other op touched the path since this one started: JS read them after its own change.
  for (int i = 0; i < 4; i++) {
    h[i] = n[i] ? attr_hash(p[i], n[i]) : 0;
    untouched[i] = n[i] && *attr_bucket(h[i]) <= l->attr_started_gen;
    keep[i] = ok && untouched[i] && (l->attr_primed & (1u << i));
  }
  uint64_t gen = ++attr_gen;
  for (int i = 0; i < 4; i++) if (n[i]) *attr_bucket(h[i]) = gen;
  // A rename moves a whole subtree: every entry and listing below its paths is retired, unless what
  // moved is a plain file (then only its paths and folders changed, and those were touched above).
  int moved_file = l->res >= 0 && (l->attr_primed & 2u) && S_ISREG(l->attr_prime[1].st_mode);
  if (l->op == op_rename && !moved_file) attr_floor = gen;
  for (int i = 0; i < 4; i++) if (keep[i]) attr_store(p[i], n[i], &l->attr_prime[i], gen, now);
  attr_listings_after(l, p, n, h, untouched, gen, now);
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

// The entry of path, if no op touched it since, within its lifetime; counted is the counter a hit adds to.
static int attr_cache_lookup (const char *path, struct stat *st, double *counted) {
  size_t len = strlen(path);
  uint64_t h = attr_hash(path, len);
  uint64_t now = attr_now_ns();
  int hit = 0;
  pthread_mutex_lock(&attr_lock);
  attr_entry_t *e = attr_slot(h);
  if (e->path != NULL && strcmp(e->path, path) == 0 && now < e->expires && e->gen >= attr_floor && e->gen >= *attr_bucket(h)) {
    *st = e->st;
    (*counted)++;
    hit = 1;
  }
  pthread_mutex_unlock(&attr_lock);
  return hit;
}

// getattr: answers from an entry no op touched since, within its lifetime.
static int attr_cache_answer (const char *path, struct stat *st) {
  return attr_cache_lookup(path, st, &attr_hit_count);
}

// chmod to the mode a path already has, answered here (rsync sets a new file's mode to the one it
// was created with, then to its final one): when the cache holds the path as getattr would answer it
// and the mode is writable by its owner (a read-only node shows no write bits: JS refuses the chmod).
static int attr_cache_same_mode (const char *path, mode_t mode) {
  struct stat st;
  double looked = 0;
  if (!attr_cache_lookup(path, &st, &looked)) return 0;
  if (!(st.st_mode & S_IWUSR) || (st.st_mode & 07777) != (mode & 07777)) return 0;
  pthread_mutex_lock(&attr_lock);
  attr_same_mode_count++;
  pthread_mutex_unlock(&attr_lock);
  return 1;
}

// Listings JS answered whole: the offset after their last name, by folder path (a slot each, the
// newest wins; a mark is used once). A mark names one stream of one folder (offsets carry the
// stream's number), so it never ends another listing; JS closed that stream already.
#define READDIR_END_SLOTS 256

typedef struct {
  char *path;
  off_t offset;
} readdir_end_t;

static readdir_end_t readdir_ends[READDIR_END_SLOTS];

static void readdir_end_mark (const char *path, off_t offset) {
  size_t len = strlen(path);
  readdir_end_t *e = &readdir_ends[attr_hash(path, len) & (READDIR_END_SLOTS - 1)];
  char *copy = malloc(len + 1);
  if (copy == NULL) return;
  memcpy(copy, path, len + 1);
  pthread_mutex_lock(&attr_lock);
  free(e->path);
  e->path = copy;
  e->offset = offset;
  pthread_mutex_unlock(&attr_lock);
}

// The kernel asks for names after the end of a listing JS answered whole: there are none.
static int readdir_end_take (const char *path, off_t offset) {
  readdir_end_t *e = &readdir_ends[attr_hash(path, strlen(path)) & (READDIR_END_SLOTS - 1)];
  int end = 0;
  pthread_mutex_lock(&attr_lock);
  if (e->path != NULL && e->offset == offset && strcmp(e->path, path) == 0) {
    free(e->path);
    e->path = NULL;
    end = 1;
  }
  pthread_mutex_unlock(&attr_lock);
  return end;
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

// JS found that the op changed nothing getattr answers (see attr_cache_op_done).
NAPI_METHOD(fuse_native_attr_unchanged) {
  NAPI_ARGV(1)
  NAPI_ARGV_BUFFER_CAST(fuse_thread_locals_t *, l, 0);
  l->attr_unchanged = 1;
  return NULL;
}

// How many requests were answered here, without JS: 0 getattrs with attributes, 1 getattrs with
// ENOENT from a listing, 2 chmods that changed nothing.
NAPI_METHOD(fuse_native_attr_hits) {
  NAPI_ARGV(1)
  NAPI_ARGV_UINT32(which, 0);
  pthread_mutex_lock(&attr_lock);
  double hits = which == 2 ? attr_same_mode_count : which == 1 ? attr_missing_count : attr_hit_count;
  pthread_mutex_unlock(&attr_lock);
  napi_value out;
  napi_create_double(env, hits, &out);
  return out;
}
`;
