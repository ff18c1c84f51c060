// Preconditions of a modifying request: the If header must hold (else 412), and every lock on what
// the request changes must have its token submitted (else 423). "What it changes" is given by the
// handler: the resources it writes (with their subtree for depth infinity) and the collections
// whose member list changes (a depth-0 lock on a collection protects its membership).
import { type DavRequest, type DavServices } from './dav-method.js';
import { HttpError } from './http-error.js';
import { evaluateIf, IfHeaderSyntaxError, parseIfHeader, submittedTokens, type IfList } from './if-header.js';
import type { DavLock } from './lock-table.js';
import { BadPathError, parseDestination } from './request-path.js';

export interface Changes {
  /** Resources written; `deep` includes everything below (DELETE, MOVE source, COPY/MOVE onto a collection). */
  resources?: ReadonlyArray<{ path: string; deep: boolean }>;
  /** Collections gaining or losing a member. */
  members?: readonly string[];
}

/** Evaluates the If header and lock tokens; returns the submitted tokens. */
export async function checkPreconditions(r: DavRequest, s: DavServices, changes: Changes): Promise<Set<string>> {
  const lists = parseIf(r);
  if (lists && !(await evaluateIf(lists, (tag) => stateOf(r, s, tag)))) {
    throw new HttpError(412, 'If header precondition failed');
  }
  const submitted = lists ? submittedTokens(lists) : new Set<string>();
  const required: DavLock[] = [];
  for (const { path, deep } of changes.resources ?? []) {
    required.push(...s.locks.covering(path));
    if (deep) required.push(...s.locks.under(path));
  }
  for (const dir of changes.members ?? []) required.push(...s.locks.covering(dir));
  for (const lock of required) {
    const satisfied =
      submitted.has(lock.token) ||
      (lock.scope === 'shared' && required.some((o) => o.scope === 'shared' && o.root === lock.root && submitted.has(o.token)));
    if (!satisfied) throw lockedError(lock);
  }
  return submitted;
}

function lockedError(lock: DavLock): HttpError {
  return new HttpError(423, `locked: ${lock.root}`, 'lock-token-submitted');
}

function parseIf(r: DavRequest): IfList[] | undefined {
  const header = r.req.headers.if;
  if (header === undefined) return undefined;
  try {
    return parseIfHeader(Array.isArray(header) ? header.join(' ') : header);
  } catch (err) {
    if (err instanceof IfHeaderSyntaxError) throw new HttpError(400, err.message);
    throw err;
  }
}

async function stateOf(r: DavRequest, s: DavServices, tag: string | undefined) {
  let path = r.path;
  if (tag !== undefined) {
    try {
      const target = parseDestination(tag, r.req.headers.host);
      if (!target) return undefined;
      path = target.path;
    } catch (err) {
      if (err instanceof BadPathError) return undefined;
      throw err;
    }
  }
  const resource = await s.resources.stat(path);
  const lockTokens = new Set(s.locks.covering(path).map((l) => l.token));
  return resource?.etag === undefined ? { lockTokens } : { etag: `"${resource.etag}"`, lockTokens };
}
