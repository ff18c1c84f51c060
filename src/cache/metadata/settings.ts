// Small values the daemon keeps between runs in the cache database (JSON by key), such as the drive
// list, so a start while PDS is unreachable still knows what to serve.
import type { Statement } from 'better-sqlite3';
import type { CacheDb } from './db.js';

export class Settings {
  private readonly q: Record<'get' | 'set', Statement>;

  constructor(cache: CacheDb) {
    this.q = {
      get: cache.db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      set: cache.db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
    };
  }

  get<T>(key: string): T | undefined {
    const v = this.q.get.get(key) as string | undefined;
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  set(key: string, value: unknown): void {
    this.q.set.run(key, JSON.stringify(value));
  }
}
