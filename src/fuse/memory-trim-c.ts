// The C half of returning freed memory to the system (memory-trim.ts says why and when), inserted
// into fuse-native.c with the attribute cache: glibc's malloc_trim, run on a thread of its own.
export const MEMORY_TRIM_C = String.raw`
// pdsfs: freed memory back to the system (see src/fuse/memory-trim.ts in pdsfs).
#ifdef __GLIBC__
#include <malloc.h>
#endif

static pthread_mutex_t trim_lock = PTHREAD_MUTEX_INITIALIZER;
static int trim_running = 0;
static double trim_count = 0;

static void *trim_thread (void *arg) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  pthread_mutex_lock(&trim_lock);
  trim_running = 0;
  trim_count++;
  pthread_mutex_unlock(&trim_lock);
  return NULL;
}

// malloc_trim walks every arena, holding each one's lock in turn, and hands whole free pages back
// (madvise): on a thread of its own, so that the event loop never waits for it. One at a time;
// answers how many have finished so far.
NAPI_METHOD(fuse_native_trim_memory) {
  NAPI_ARGV(1)
  NAPI_ARGV_UINT32(start, 0);
  pthread_mutex_lock(&trim_lock);
  int go = start && !trim_running;
  if (go) trim_running = 1;
  double done = trim_count;
  pthread_mutex_unlock(&trim_lock);
  pthread_t t;
  if (go) {
    if (pthread_create(&t, NULL, trim_thread, NULL) == 0) pthread_detach(t);
    else {
      pthread_mutex_lock(&trim_lock);
      trim_running = 0;
      pthread_mutex_unlock(&trim_lock);
    }
  }
  napi_value out;
  napi_create_double(env, done, &out);
  return out;
}
`;
