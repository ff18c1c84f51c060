// WebDAV write locks (RFC 4918 §6-7), kept in memory: a lock outlives no restart, which the RFC
// allows (clients re-lock). Locks are owned by their token, not by the authenticated user, so two
// clients with the same credentials still exclude each other. Time is injected for tests.
import { randomUUID } from 'node:crypto';
import { isWithin } from './request-path.js';

export type LockScope = 'exclusive' | 'shared';

export interface DavLock {
  token: string;
  /** The lock root (namespace path). */
  root: string;
  depth: 0 | 'infinity';
  scope: LockScope;
  /** The client's <D:owner> XML, echoed back verbatim. */
  ownerXml: string;
  timeoutSec: number;
  createdAt: number;
  expiresAt: number;
  /** LOCK on an unmapped URL: the resource exists only as this local, empty placeholder. */
  placeholder: boolean;
}

export const DEFAULT_LOCK_TIMEOUT_SEC = 3600;
export const MAX_LOCK_TIMEOUT_SEC = 24 * 3600;

export class LockTable {
  private readonly locks = new Map<string, DavLock>();

  constructor(readonly now: () => number = Date.now) {}

  create(input: Omit<DavLock, 'token' | 'createdAt' | 'expiresAt'>): DavLock {
    this.expire();
    const now = this.now();
    const lock: DavLock = { ...input, token: `urn:uuid:${randomUUID()}`, createdAt: now, expiresAt: now + input.timeoutSec * 1000 };
    this.locks.set(lock.token, lock);
    return lock;
  }

  get(token: string): DavLock | undefined {
    this.expire();
    return this.locks.get(token);
  }

  refresh(token: string, timeoutSec: number): DavLock | undefined {
    const lock = this.get(token);
    if (!lock) return undefined;
    lock.timeoutSec = timeoutSec;
    lock.expiresAt = this.now() + timeoutSec * 1000;
    return lock;
  }

  remove(token: string): DavLock | undefined {
    const lock = this.locks.get(token);
    this.locks.delete(token);
    return lock;
  }

  /** Locks that apply to `path`: rooted there, or depth-infinity locks on an ancestor. */
  covering(path: string): DavLock[] {
    this.expire();
    return [...this.locks.values()].filter((l) => l.root === path || (l.depth === 'infinity' && isWithin(path, l.root)));
  }

  /** Locks rooted at `path` or anywhere below it. */
  under(path: string): DavLock[] {
    this.expire();
    return [...this.locks.values()].filter((l) => isWithin(l.root, path));
  }

  /** The placeholder lock of an unmapped URL, if that URL is one. */
  placeholderAt(path: string): DavLock | undefined {
    return this.covering(path).find((l) => l.placeholder && l.root === path);
  }

  /** Placeholders whose parent directory is `dir` (they show in listings). */
  placeholdersIn(dir: string): DavLock[] {
    this.expire();
    const prefix = dir === '/' ? '/' : dir + '/';
    return [...this.locks.values()].filter((l) => l.placeholder && l.root.startsWith(prefix) && !l.root.slice(prefix.length).includes('/'));
  }

  /** Drops every lock rooted at or below `path` (after DELETE or as the source of MOVE). */
  dropUnder(path: string): void {
    for (const l of this.under(path)) this.locks.delete(l.token);
  }

  /** Locks a new lock on `root` with the given depth and scope would conflict with. */
  conflicts(root: string, depth: 0 | 'infinity', scope: LockScope): DavLock[] {
    const affected = [...this.covering(root), ...(depth === 'infinity' ? this.under(root).filter((l) => l.root !== root) : [])];
    return affected.filter((l) => l.scope === 'exclusive' || scope === 'exclusive');
  }

  private expire(): void {
    const now = this.now();
    for (const [token, lock] of this.locks) if (lock.expiresAt <= now) this.locks.delete(token);
  }
}

/** Parses "Timeout: Second-600, Infinite" into seconds, capped. */
export function parseTimeout(header: string | undefined): number {
  for (const part of (header ?? '').split(',')) {
    const t = part.trim();
    if (/^infinite$/i.test(t)) return MAX_LOCK_TIMEOUT_SEC;
    const m = /^second-(\d+)$/i.exec(t);
    if (m) return Math.max(1, Math.min(Number(m[1]), MAX_LOCK_TIMEOUT_SEC));
  }
  return DEFAULT_LOCK_TIMEOUT_SEC;
}
