// The cache database schema, as ordered migrations. Migration N (1-based) brings the schema from
// version N-1 to N. Append new migrations; never edit a shipped one.

export const MIGRATIONS: readonly string[] = [
  // 1: metadata cache, listings, negative lookups, change-feed cursors, write journal, disk block index.
  `
  CREATE TABLE nodes (
    volume TEXT NOT NULL,
    id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_nfc TEXT NOT NULL,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    ctime INTEGER NOT NULL,
    revision TEXT NOT NULL,
    content_hash TEXT,
    PRIMARY KEY (volume, id)
  ) WITHOUT ROWID;
  CREATE INDEX nodes_by_parent ON nodes (volume, parent_id, name_nfc);

  CREATE TABLE listings (
    volume TEXT NOT NULL,
    dir_id TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    PRIMARY KEY (volume, dir_id)
  ) WITHOUT ROWID;

  CREATE TABLE missing (
    volume TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    name_nfc TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (volume, parent_id, name_nfc)
  ) WITHOUT ROWID;

  CREATE TABLE cursors (
    volume TEXT PRIMARY KEY,
    cursor TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    volume TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_nfc TEXT NOT NULL,
    staging_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    sha1 TEXT,
    state TEXT NOT NULL,
    replace_id TEXT,
    base_revision TEXT,
    session TEXT,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    not_before INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX journal_by_dir ON journal (volume, parent_id, name_nfc);
  CREATE INDEX journal_by_state ON journal (state, not_before);

  CREATE TABLE blocks (
    key TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    size INTEGER NOT NULL,
    last_used INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: a staging copy may start sparse over its remote base (journal.base, JSON, null once complete);
  // base_revision, never read, goes.
  `
  ALTER TABLE journal ADD COLUMN base TEXT;
  ALTER TABLE journal DROP COLUMN base_revision;
  `,
  // 3: user_meta (POSIX attributes) of cached entries and of pending uploads. Entries cached before
  // did not keep it: the metadata cache starts over (listings are fetched again).
  `
  ALTER TABLE nodes ADD COLUMN user_meta TEXT;
  ALTER TABLE journal ADD COLUMN user_meta TEXT;
  DELETE FROM nodes;
  DELETE FROM listings;
  DELETE FROM missing;
  DELETE FROM cursors;
  `,
  // 4: nodes are kept in listing order: the table's key is (volume, parent_id, name_nfc, id), so
  // the children of a folder sit together in name order and a page of them, or one name, is one
  // range of one B-tree; nodes_by_id finds a node by id. name is NULL when it equals name_nfc (the
  // usual case); user_meta (migration 3) moves with its row. listed_at marks the rows a listing saw
  // (or wrote since it began), so a listing stored page by page finds the children it did not see
  // without holding the folder.
  `
  CREATE TABLE nodes_v4 (
    volume TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    name_nfc TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    ctime INTEGER NOT NULL,
    revision TEXT NOT NULL,
    content_hash TEXT,
    user_meta TEXT,
    listed_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (volume, parent_id, name_nfc, id)
  ) WITHOUT ROWID;
  INSERT INTO nodes_v4 (volume, parent_id, name_nfc, id, name, kind, size, mtime, ctime, revision, content_hash, user_meta)
    SELECT volume, parent_id, name_nfc, id, NULLIF(name, name_nfc), kind, size, mtime, ctime, revision, content_hash, user_meta FROM nodes;
  DROP TABLE nodes;
  ALTER TABLE nodes_v4 RENAME TO nodes;
  CREATE UNIQUE INDEX nodes_by_id ON nodes (volume, id);
  `,
  // 5: offline work. Namespace changes waiting for PDS (ops, replayed in id order; lost ones stay as
  // notices), local folder ids already given their PDS ids, the drive list for a start while PDS is
  // unreachable, and per upload the last namespace change it must wait for and the revision its
  // content was based on when written offline (a conflict check at upload).
  `
  CREATE TABLE ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    volume TEXT NOT NULL,
    kind TEXT NOT NULL,
    node_id TEXT NOT NULL,
    parent_id TEXT,
    name TEXT,
    mtime INTEGER,
    user_meta TEXT,
    permanent INTEGER NOT NULL,
    entry TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX ops_by_state ON ops (state, id);
  CREATE TABLE local_ids (
    local_id TEXT PRIMARY KEY,
    volume TEXT NOT NULL,
    real_id TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  ALTER TABLE journal ADD COLUMN wait_op INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE journal ADD COLUMN expect_revision TEXT;
  `,
  // 6: entries the server lets this user only read (RemoteEntry.readOnly, from PDS action_list).
  // Entries cached before did not keep it: every listing is fetched again when next used (the
  // rows stay, so pending offline changes and uploads keep their places).
  `
  ALTER TABLE nodes ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
  UPDATE listings SET fetched_at = 0;
  `,
  // 7: a folder removed offline keeps what the local side knew of its subtree (Op.seen), so replay
  // removes only that and keeps what was added on the server meanwhile.
  `
  ALTER TABLE ops ADD COLUMN seen TEXT;
  `,
  // 8: the negative-lookup table was never written (names not found are cached by the kernel and the
  // FUSE binding instead), yet every stored entry deleted from it.
  `
  DROP TABLE missing;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
