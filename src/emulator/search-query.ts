// The file/search query language, compiled to a SQL condition over the files table.
//   cond := field op value      ops: = != < > <= >= match prefix in
//   expr := cond | not expr | expr and expr | expr or expr | ( expr )   (precedence: () > not > and > or)
// Values: "strings" (\" escapes), numbers, true/false, ["lists"] for `in`. Dates are quoted UTC times.
import { PdsHttpError } from './errors.js';

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

type FieldKind = 'string' | 'name' | 'long' | 'date' | 'bool' | 'enum';

const FIELDS: Record<string, { sql: string; kind: FieldKind }> = {
  name: { sql: 'name', kind: 'name' },
  file_id: { sql: 'file_id', kind: 'string' },
  parent_file_id: { sql: 'parent_file_id', kind: 'string' },
  type: { sql: 'type', kind: 'enum' },
  file_extension: { sql: 'pds_extension(name, type)', kind: 'string' },
  category: { sql: 'pds_category(name, type)', kind: 'enum' },
  mime_type: { sql: 'pds_mime(name, type)', kind: 'string' },
  content_hash: { sql: 'blob_sha1', kind: 'string' },
  description: { sql: "COALESCE(description, '')", kind: 'string' },
  size: { sql: 'size', kind: 'long' },
  created_at: { sql: 'created_at', kind: 'date' },
  updated_at: { sql: 'updated_at', kind: 'date' },
  local_created_at: { sql: 'local_created_at', kind: 'date' },
  local_modified_at: { sql: 'local_modified_at', kind: 'date' },
  starred: { sql: 'starred', kind: 'bool' },
  hidden: { sql: 'hidden', kind: 'bool' },
};

const OPS_BY_KIND: Record<FieldKind, string[]> = {
  name: ['=', '!=', 'match', 'in'],
  string: ['=', '!=', 'prefix', 'in'],
  enum: ['=', '!=', 'in'],
  long: ['=', '!=', '<', '>', '<=', '>='],
  date: ['=', '<', '>', '<=', '>='],
  bool: ['='],
};

type Token = { t: 'word' | 'op' | 'str' | 'num' | 'punct'; v: string };

function bad(message: string): PdsHttpError {
  return new PdsHttpError(400, 'InvalidParameter.Query', `The query is not valid: ${message}`);
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(")((?:[^"\\]|\\.)*)"|(<=|>=|!=|=|<|>)|([()[\],])|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][\w.]*))/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw bad(`unexpected text at ${pos}`);
    pos = re.lastIndex;
    if (m[1]) out.push({ t: 'str', v: (m[2] ?? '').replace(/\\(.)/g, '$1') });
    else if (m[3]) out.push({ t: 'op', v: m[3] });
    else if (m[4]) out.push({ t: 'punct', v: m[4] });
    else if (m[5]) out.push({ t: 'num', v: m[5] });
    else out.push({ t: 'word', v: m[6] as string });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): SqlCondition {
    const c = this.or();
    if (this.i < this.tokens.length) throw bad(`unexpected "${this.tokens[this.i]?.v}"`);
    return c;
  }

  private peekWord(word: string): boolean {
    const t = this.tokens[this.i];
    return t?.t === 'word' && t.v.toLowerCase() === word;
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw bad('unexpected end');
    return t;
  }

  private or(): SqlCondition {
    let left = this.and();
    while (this.peekWord('or')) {
      this.i++;
      const right = this.and();
      left = { sql: `(${left.sql} OR ${right.sql})`, params: [...left.params, ...right.params] };
    }
    return left;
  }

  private and(): SqlCondition {
    let left = this.not();
    while (this.peekWord('and')) {
      this.i++;
      const right = this.not();
      left = { sql: `(${left.sql} AND ${right.sql})`, params: [...left.params, ...right.params] };
    }
    return left;
  }

  private not(): SqlCondition {
    if (this.peekWord('not')) {
      this.i++;
      const inner = this.not();
      return { sql: `(NOT ${inner.sql})`, params: inner.params };
    }
    const t = this.tokens[this.i];
    if (t?.t === 'punct' && t.v === '(') {
      this.i++;
      const inner = this.or();
      const close = this.next();
      if (close.v !== ')') throw bad('missing ")"');
      return inner;
    }
    return this.condition();
  }

  private condition(): SqlCondition {
    const f = this.next();
    const field = FIELDS[f.v];
    if (f.t !== 'word' || !field) throw bad(`unknown field "${f.v}"`);
    const opTok = this.next();
    const op = opTok.v.toLowerCase();
    if (!OPS_BY_KIND[field.kind].includes(op)) throw bad(`operator "${opTok.v}" is not allowed on ${f.v}`);
    if (op === 'in') {
      const values = this.list().map((v) => this.value(field.kind, v, f.v));
      return { sql: `${field.sql} IN (${values.map(() => '?').join(', ')})`, params: values };
    }
    const value = this.value(field.kind, this.next(), f.v);
    if (op === 'match') return { sql: `instr(lower(${field.sql}), lower(?)) > 0`, params: [value] };
    if (op === 'prefix') return { sql: `substr(${field.sql}, 1, length(?)) = ?`, params: [value, value] };
    return { sql: `${field.sql} ${op === '!=' ? '<>' : op} ?`, params: [value] };
  }

  private list(): Token[] {
    if (this.next().v !== '[') throw bad('"in" needs a [list]');
    const out: Token[] = [];
    for (;;) {
      out.push(this.next());
      const sep = this.next();
      if (sep.v === ']') return out;
      if (sep.v !== ',') throw bad('expected "," or "]"');
    }
  }

  private value(kind: FieldKind, t: Token, field: string): string | number {
    if (kind === 'long') {
      if (t.t !== 'num') throw bad(`${field} needs a number`);
      return Number(t.v);
    }
    if (kind === 'bool') {
      if (t.t !== 'word' || !['true', 'false'].includes(t.v)) throw bad(`${field} needs true or false`);
      return t.v === 'true' ? 1 : 0;
    }
    if (t.t !== 'str') throw bad(`${field} needs a quoted string`);
    if (kind === 'date') {
      const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t.v) ? t.v : `${t.v}Z`);
      if (Number.isNaN(ms)) throw bad(`${field} needs a time like "2019-01-14T00:00:00"`);
      return new Date(ms).toISOString();
    }
    return t.v;
  }
}

export function compileQuery(query: string): SqlCondition {
  if (query.trim() === '') return { sql: '1 = 1', params: [] };
  return new Parser(tokenize(query)).parse();
}
