// Local WebDAV state in SQLite (<state dir>/webdav.sqlite): dead properties set by PROPPATCH (Win32
// times and the like), and the content of Finder's local-only files (.DS_Store, ._*), which are never
// uploaded. Rows are keyed by (parent dir, name) so one query serves a whole listing.
import Database from 'better-sqlite3';
import { baseName, parentOf } from './request-path.js';

export interface DeadProp {
  ns: string;
  name: string;
  /** Serialised XML content of the property element. */
  value: string;
}

export interface SidecarInfo {
  name: string;
  size: number;
  mtime: number;
  ctime: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dead_props (
  dir TEXT NOT NULL, name TEXT NOT NULL, ns TEXT NOT NULL, local TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (dir, name, ns, local));
CREATE TABLE IF NOT EXISTS sidecar_files (
  dir TEXT NOT NULL, name TEXT NOT NULL, content BLOB NOT NULL, mtime INTEGER NOT NULL, ctime INTEGER NOT NULL,
  PRIMARY KEY (dir, name));
`;

const TABLES = ['dead_props', 'sidecar_files'] as const;

// Rows of the node itself, or of anything below it (dir is the node or starts with "node/").
const SELF = `(dir = @pdir AND name = @pname)`;
const BELOW = `(dir = @path OR substr(dir, 1, length(@path) + 1) = @path || '/')`;

export class DavStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  // ---- dead properties ----

  props(path: string): DeadProp[] {
    return this.db
      .prepare('SELECT ns, local AS name, value FROM dead_props WHERE dir = ? AND name = ? ORDER BY rowid')
      .all(parentOf(path), baseName(path)) as DeadProp[];
  }

  /** Dead properties of every child of `dir`, by child name. */
  propsIn(dir: string): Map<string, DeadProp[]> {
    const rows = this.db.prepare('SELECT name AS child, ns, local AS name, value FROM dead_props WHERE dir = ? ORDER BY rowid').all(dir) as (DeadProp & { child: string })[];
    const out = new Map<string, DeadProp[]>();
    for (const { child, ...prop } of rows) out.set(child, [...(out.get(child) ?? []), prop]);
    return out;
  }

  /** Applies sets and removals in one transaction (PROPPATCH is all or nothing). */
  patchProps(path: string, ops: ReadonlyArray<{ set: DeadProp } | { remove: { ns: string; name: string } }>): void {
    const key = { dir: parentOf(path), name: baseName(path) };
    const upsert = this.db.prepare('INSERT OR REPLACE INTO dead_props (dir, name, ns, local, value) VALUES (@dir, @name, @ns, @local, @value)');
    const del = this.db.prepare('DELETE FROM dead_props WHERE dir = @dir AND name = @name AND ns = @ns AND local = @local');
    this.db.transaction(() => {
      for (const op of ops) {
        if ('set' in op) upsert.run({ ...key, ns: op.set.ns, local: op.set.name, value: op.set.value });
        else del.run({ ...key, ns: op.remove.ns, local: op.remove.name });
      }
    })();
  }

  // ---- Finder's local-only files ----

  sidecar(path: string): SidecarInfo | undefined {
    return this.db
      .prepare('SELECT name, length(content) AS size, mtime, ctime FROM sidecar_files WHERE dir = ? AND name = ?')
      .get(parentOf(path), baseName(path)) as SidecarInfo | undefined;
  }

  sidecarContent(path: string): Buffer | undefined {
    const row = this.db.prepare('SELECT content FROM sidecar_files WHERE dir = ? AND name = ?').get(parentOf(path), baseName(path)) as
      | { content: Buffer }
      | undefined;
    return row?.content;
  }

  sidecarsIn(dir: string): SidecarInfo[] {
    return this.db.prepare('SELECT name, length(content) AS size, mtime, ctime FROM sidecar_files WHERE dir = ? ORDER BY name').all(dir) as SidecarInfo[];
  }

  putSidecar(path: string, content: Buffer, mtime: number): void {
    this.db
      .prepare(
        `INSERT INTO sidecar_files (dir, name, content, mtime, ctime) VALUES (@dir, @name, @content, @mtime, @mtime)
         ON CONFLICT (dir, name) DO UPDATE SET content = excluded.content, mtime = excluded.mtime`,
      )
      .run({ dir: parentOf(path), name: baseName(path), content, mtime });
  }

  setSidecarMtime(path: string, mtime: number): void {
    this.db.prepare('UPDATE sidecar_files SET mtime = ? WHERE dir = ? AND name = ?').run(mtime, parentOf(path), baseName(path));
  }

  // ---- whole subtrees (DELETE, MOVE, COPY) ----

  removeTree(path: string): void {
    const p = this.treeParams(path);
    this.db.transaction(() => {
      for (const t of TABLES) this.db.prepare(`DELETE FROM ${t} WHERE ${SELF} OR ${BELOW}`).run(p);
    })();
  }

  /** Moves the rows of `from` and its subtree to `to`, replacing whatever `to` had. */
  moveTree(from: string, to: string): void {
    const p = { ...this.treeParams(from), to, tdir: parentOf(to), tname: baseName(to) };
    this.db.transaction(() => {
      this.removeTree(to);
      for (const t of TABLES) {
        this.db.prepare(`UPDATE ${t} SET dir = @tdir, name = @tname WHERE ${SELF}`).run(p);
        this.db.prepare(`UPDATE ${t} SET dir = @to || substr(dir, length(@path) + 1) WHERE ${BELOW}`).run(p);
      }
    })();
  }

  /** Copies the rows of `from` (and, with depth infinity, of its subtree) to `to`. */
  copyTree(from: string, to: string, deep: boolean): void {
    const p = { ...this.treeParams(from), to, tdir: parentOf(to), tname: baseName(to) };
    const props = 'ns, local, value';
    const files = 'content, mtime, ctime';
    this.db.transaction(() => {
      this.removeTree(to);
      for (const [t, cols] of [['dead_props', props], ['sidecar_files', files]] as const) {
        this.db.prepare(`INSERT INTO ${t} (dir, name, ${cols}) SELECT @tdir, @tname, ${cols} FROM ${t} WHERE ${SELF}`).run(p);
        if (deep) {
          this.db.prepare(`INSERT INTO ${t} (dir, name, ${cols}) SELECT @to || substr(dir, length(@path) + 1), name, ${cols} FROM ${t} WHERE ${BELOW}`).run(p);
        }
      }
    })();
  }

  private treeParams(path: string): { path: string; pdir: string; pname: string } {
    return { path, pdir: parentOf(path), pname: baseName(path) };
  }
}
