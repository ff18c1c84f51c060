// The token store: the latest access/refresh token pair of the stored login, in a file next to the
// config file (mode 0600), shared by every pdsfs process of that login. A refresh ends the old pair,
// so refreshes are serialized across processes by a lock (proper-lockfile: a lock directory whose
// mtime is kept fresh, so the lock of a killed process goes stale and is taken over).
import fs from 'node:fs';
import path from 'node:path';
import type { SharedTokenStore, StoredTokens } from '../pds/auth.js';
import { writeSecretFile } from './config-file.js';
// Loaded at start, not when first used: its signal-exit re-raises SIGTERM when its own handler is the
// last one left, which it is if it comes after the daemon's (a drain at shutdown would then be killed).
import lockfile from 'proper-lockfile';

/** The store of the login kept in `configFile`. */
export function tokenStoreFile(configFile: string): string {
  return `${path.resolve(configFile)}.tokens`;
}

/** How long a lock may go unrefreshed before it counts as left by a dead process. */
const STALE_MS = 20_000;

export class FileTokenStore implements SharedTokenStore {
  constructor(readonly file: string) {}

  read(): StoredTokens | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return parseStored(JSON.parse(text));
    } catch {
      return undefined; // unreadable: as if absent; the next refresh rewrites it
    }
  }

  async locked<T>(change: (stored: StoredTokens | undefined) => Promise<{ write?: StoredTokens; result: T }>): Promise<T> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const release = await lockfile.lock(this.file, {
      realpath: false,
      stale: STALE_MS,
      retries: { retries: 60, factor: 1.3, minTimeout: 50, maxTimeout: 1_000 },
      // The library's default throws from a timer, which would end the daemon. A lost lock at worst
      // lets two refreshes overlap; the loser's login then needs a new `pdsfs login`, as said in the log.
      onCompromised: () => undefined,
    });
    try {
      const { write, result } = await change(this.read());
      if (write) await writeSecretFile(this.file, `${JSON.stringify(write, null, 2)}\n`);
      return result;
    } finally {
      await release().catch(() => undefined);
    }
  }
}

/** A store for one process (login's check of the credentials): what was written, kept in memory. */
export class MemoryTokenStore implements SharedTokenStore {
  private stored: StoredTokens | undefined;
  read(): StoredTokens | undefined {
    return this.stored;
  }
  async locked<T>(change: (stored: StoredTokens | undefined) => Promise<{ write?: StoredTokens; result: T }>): Promise<T> {
    const { write, result } = await change(this.stored);
    if (write) this.stored = write;
    return result;
  }
}

function parseStored(raw: unknown): StoredTokens | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.login !== 'string' || typeof r.clientId !== 'string' || typeof r.refreshToken !== 'string') return undefined;
  return {
    login: r.login,
    clientId: r.clientId,
    refreshToken: r.refreshToken,
    ...(typeof r.accessToken === 'string' ? { accessToken: r.accessToken } : {}),
    ...(typeof r.renewAt === 'number' ? { renewAt: r.renewAt } : {}),
  };
}
