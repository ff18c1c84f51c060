// One process owns a cache database. The database itself is opened in SQLite's normal (shared)
// locking mode, so that its WAL can be checkpointed from a second connection in a worker thread
// (checkpointer.ts); ownership is a lock of its own instead: an exclusive SQLite lock (fcntl) held on
// a side file for as long as the owner runs. The kernel drops it when the process dies, kill -9
// included, so a stale owner never blocks a restart, and SQLite refuses a second opener in the same
// process as well as in another one.
import Database from 'better-sqlite3';

/** Takes the lock on `${file}-owner`; returns the release function. Throws at once if another opener holds it. */
export function takeOwnership(file: string): () => void {
  const lock = new Database(`${file}-owner`, { timeout: 0 });
  try {
    // Kept after the first transaction, until the connection closes.
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new Error(`${file} is in use by another pdsfs process; each running pdsfs needs its own --cache-dir`);
    throw err;
  }
  return () => lock.close();
}
