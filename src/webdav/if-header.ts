// The WebDAV If header (RFC 4918 §10.4): parsing and evaluation. The header is a precondition that
// holds when at least one list has every condition true; separately, every lock token it names
// (outside a Not) counts as submitted for lock checks.

export interface IfCondition {
  not: boolean;
  token?: string;
  etag?: string;
}

export interface IfList {
  /** Resource tag (absolute URL or path) for tagged lists; untagged lists apply to the request URL. */
  resource?: string;
  conditions: IfCondition[];
}

export class IfHeaderSyntaxError extends Error {
  override readonly name = 'IfHeaderSyntaxError';
}

export function parseIfHeader(header: string): IfList[] {
  const lists: IfList[] = [];
  let tag: string | undefined;
  let i = 0;
  const fail = (why: string): never => {
    throw new IfHeaderSyntaxError(`If header: ${why}`);
  };
  const until = (close: string): string => {
    const end = header.indexOf(close, i);
    if (end < 0) fail(`missing ${close}`);
    const value = header.slice(i, end);
    i = end + 1;
    return value;
  };
  const skipSpace = () => {
    while (i < header.length && /\s/.test(header[i]!)) i++;
  };
  for (skipSpace(); i < header.length; skipSpace()) {
    const c = header[i++];
    if (c === '<') {
      tag = until('>');
    } else if (c === '(') {
      const conditions: IfCondition[] = [];
      for (skipSpace(); header[i] !== ')'; skipSpace()) {
        if (i >= header.length) fail('unterminated list');
        let not = false;
        if (/^not(?=[\s<[])/i.test(header.slice(i, i + 4))) {
          not = true;
          i += 3;
          skipSpace();
        }
        const open = header[i++];
        if (open === '<') conditions.push({ not, token: until('>') });
        else if (open === '[') conditions.push({ not, etag: until(']') });
        else fail(`unexpected ${open ?? 'end'}`);
      }
      i++;
      if (conditions.length === 0) fail('empty list');
      lists.push(tag === undefined ? { conditions } : { resource: tag, conditions });
    } else {
      fail(`unexpected ${c}`);
    }
  }
  if (lists.length === 0) fail('no lists');
  return lists;
}

/** What a condition is checked against: the current entity tag and the lock tokens covering a resource. */
export interface ResourceState {
  etag?: string;
  lockTokens: ReadonlySet<string>;
}

/** True when at least one list evaluates to true. `stateOf(undefined)` is the request URL's resource. */
export async function evaluateIf(lists: IfList[], stateOf: (resource: string | undefined) => Promise<ResourceState | undefined>): Promise<boolean> {
  for (const list of lists) {
    const state = await stateOf(list.resource);
    if (list.conditions.every((c) => conditionHolds(c, state) !== c.not)) return true;
  }
  return false;
}

function conditionHolds(c: IfCondition, state: ResourceState | undefined): boolean {
  if (!state) return false;
  if (c.token !== undefined) return state.lockTokens.has(c.token);
  return state.etag !== undefined && opaque(state.etag) === opaque(c.etag!);
}

/** Entity tags compare by their opaque part (weak comparison). */
export function opaque(etag: string): string {
  return etag.trim().replace(/^W\//, '');
}

/** Lock tokens the header submits (named outside a Not). */
export function submittedTokens(lists: IfList[]): Set<string> {
  const tokens = new Set<string>();
  for (const list of lists) for (const c of list.conditions) if (c.token !== undefined && !c.not) tokens.add(c.token);
  return tokens;
}
