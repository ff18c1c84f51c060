// The emulator's metadata database: one SQLite file (WAL) in the data dir, schema versioned by
// PRAGMA user_version so a store written by an older emulator is upgraded in place.
import Database from 'better-sqlite3';
import path from 'node:path';

export type Db = Database.Database;

/** The schema, step by step: step i takes a store from user_version i to i + 1 (never edit a released step). */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE apps (client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE users (
    user_id TEXT PRIMARY KEY, user_name TEXT NOT NULL, nick_name TEXT NOT NULL, role TEXT NOT NULL,
    status TEXT NOT NULL, default_drive_id TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE drives (
    drive_id INTEGER PRIMARY KEY AUTOINCREMENT, drive_name TEXT NOT NULL, description TEXT NOT NULL,
    owner TEXT NOT NULL, owner_type TEXT NOT NULL, drive_type TEXT NOT NULL, status TEXT NOT NULL,
    used_size INTEGER NOT NULL, total_size INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    creator TEXT NOT NULL);
  CREATE TABLE drive_members (drive_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (drive_id, user_id));
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE blobs (sha1 TEXT PRIMARY KEY, size INTEGER NOT NULL, pre_sha1 TEXT NOT NULL, created_at TEXT NOT NULL, orphaned_at INTEGER);
  CREATE INDEX blobs_pre ON blobs (pre_sha1, size);
  CREATE TABLE files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, file_id TEXT NOT NULL UNIQUE, drive_id TEXT NOT NULL,
    parent_file_id TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
    trashed_by TEXT, trashed_at TEXT, size INTEGER NOT NULL DEFAULT 0, blob_sha1 TEXT, revision_id TEXT,
    content_type TEXT, upload_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    local_created_at TEXT, local_modified_at TEXT, description TEXT, hidden INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0, labels TEXT, creator_id TEXT NOT NULL, last_modifier_id TEXT NOT NULL);
  CREATE INDEX files_parent ON files (drive_id, parent_file_id);
  CREATE INDEX files_blob ON files (blob_sha1);
  CREATE INDEX files_trash ON files (drive_id, trashed_by);
  CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY, file_id TEXT NOT NULL, size INTEGER NOT NULL, parallel INTEGER NOT NULL,
    content_hash TEXT, created_at TEXT NOT NULL);
  CREATE INDEX uploads_file ON uploads (file_id);
  CREATE TABLE upload_parts (
    upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number));
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, drive_id TEXT NOT NULL, file_id TEXT NOT NULL, op TEXT NOT NULL,
    file_json TEXT, created_at TEXT NOT NULL);
  CREATE INDEX changes_drive ON changes (drive_id, seq);
  CREATE TABLE async_tasks (
    async_task_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, state TEXT NOT NULL, error_code TEXT, error_message TEXT,
    consumed_process INTEGER NOT NULL DEFAULT 0, total_process INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT);
  CREATE TABLE share_links (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, share_id TEXT NOT NULL UNIQUE, drive_id TEXT NOT NULL,
    creator TEXT NOT NULL, share_pwd TEXT NOT NULL, share_name TEXT NOT NULL, description TEXT NOT NULL,
    expiration TEXT NOT NULL, status TEXT NOT NULL, cancelled INTEGER NOT NULL DEFAULT 0, file_id_list TEXT NOT NULL,
    creatable INTEGER NOT NULL DEFAULT 0, creatable_file_id_list TEXT NOT NULL DEFAULT '[]',
    disable_preview INTEGER NOT NULL DEFAULT 0, disable_save INTEGER NOT NULL DEFAULT 0,
    disable_download INTEGER NOT NULL DEFAULT 0, access_count INTEGER NOT NULL DEFAULT 0,
    preview_count INTEGER NOT NULL DEFAULT 0, save_count INTEGER NOT NULL DEFAULT 0,
    download_count INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
  `,
  // 2: a file's user_meta (a free-form string set by create and update, kept by copy).
  `ALTER TABLE files ADD COLUMN user_meta TEXT;`,
  // 3: earlier contents of files (file/revision/*): a row per replaced content, the current one stays in files;
  // and the image_media_metadata read from a blob's EXIF at upload.
  `
  CREATE TABLE revisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, revision_id TEXT NOT NULL UNIQUE, file_id TEXT NOT NULL,
    revision_version INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, blob_sha1 TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
  CREATE INDEX revisions_file ON revisions (file_id, seq);
  CREATE INDEX revisions_blob ON revisions (blob_sha1);
  ALTER TABLE blobs ADD COLUMN image_media TEXT;
  `,
  // 4: listing indexes in the orders file/list pages by (created_at, the default, and name), ending
  // in seq as the markers do, so a page of a 100,000-entry folder is an index range, not a sort.
  `
  DROP INDEX files_parent;
  CREATE INDEX files_by_created ON files (drive_id, parent_file_id, created_at, seq);
  CREATE INDEX files_by_name ON files (drive_id, parent_file_id, name, seq);
  `,
  // 5: what a user may do in a subtree (the file's action_list), set through /admin/permissions; a
  // file without a row of its own takes its nearest ancestor's, and a subtree without any allows all.
  `CREATE TABLE file_permissions (file_id TEXT NOT NULL, user_id TEXT NOT NULL, action_list TEXT NOT NULL, PRIMARY KEY (file_id, user_id));`,
  // 6: permissions keyed by drive as well, so that a team drive's \`root\` (which every drive has) can
  // hold one: the service grants access to a whole team drive on its root (FileAddPermission).
  `
  CREATE TABLE drive_file_permissions (
    drive_id TEXT NOT NULL, file_id TEXT NOT NULL, user_id TEXT NOT NULL, action_list TEXT NOT NULL,
    PRIMARY KEY (drive_id, file_id, user_id));
  INSERT INTO drive_file_permissions SELECT f.drive_id, p.file_id, p.user_id, p.action_list FROM file_permissions p JOIN files f USING (file_id);
  DROP TABLE file_permissions;
  ALTER TABLE drive_file_permissions RENAME TO file_permissions;
  `,
  // 7: small content in the database (a file per small upload cost an inode each): a part's or a
  // blob's content_id names its row; null keeps the file, as every earlier blob and part has.
  `
  CREATE TABLE contents (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
  ALTER TABLE upload_parts ADD COLUMN content_id INTEGER;
  ALTER TABLE blobs ADD COLUMN content_id INTEGER;
  `,
];

/**
 * `exclusive`: no other connection will open the store while this one is open (the embedded
 * server's store, which only its worker uses). SQLite then takes its file lock once and keeps the
 * WAL index in this process's memory, instead of an fcntl lock and unlock on the -shm file around
 * every statement and transaction. Tests that write into a running server's store (test/helpers)
 * open it shared.
 */
export function openDb(dataDir: string, opts: { exclusive?: boolean } = {}): Db {
  const db = new Database(path.join(dataDir, 'pds.sqlite'));
  // Before WAL mode is entered, so that the WAL index is never put in shared memory.
  if (opts.exclusive) db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    db.close();
    throw new Error(`the store in ${dataDir} was written by a newer emulator (schema ${version})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
