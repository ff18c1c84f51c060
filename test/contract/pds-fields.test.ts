// The contract of the PDS calls pdsfs makes, for the endpoints in the spec extract: the request
// fields pdsfs sends and the response fields it reads (for a listing, also those of each item), each
// checked three ways. Against the official names (pds-spec-extract.ts); against what pdsfs really
// sends (its calls pass through a recording proxy in front of the local server); and against the
// local server's answers (every field pdsfs reads is there, and the server answers no field the spec
// does not name).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { connectPds } from '../../src/pds/connect.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { ShareRemote } from '../../src/pds/share-remote.js';
import { startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { SPEC } from './pds-spec-extract.js';

/**
 * File fields the local server answers that this extract's sources do not name (the generated tea
 * model predates them); kept short and named here so that a new one fails the test.
 */
const LOCAL_FILE_EXTRAS = ['creator_id', 'last_modifier_id', 'trashed'];

interface Contract {
  sends: readonly string[];
  reads: readonly string[];
  /** Read from each entry of the answer's `items`. */
  itemReads?: readonly string[];
  /** Read defensively though no official source names it in this answer: must stay absent from the extract. */
  tolerated?: readonly string[];
}

/**
 * What pdsfs reads of a file object (src/pds/entry.ts, content-hash.ts, remote-base.ts): action_list
 * says whether the caller may only read it; download_url (or url) saves a get_download_url call.
 */
const FILE_READS = [
  'file_id', 'parent_file_id', 'name', 'type', 'size', 'local_modified_at', 'updated_at', 'created_at', 'content_hash', 'content_hash_name',
  'revision_id', 'user_meta', 'action_list', 'download_url', 'url',
];

/**
 * Fields pdsfs reads that a local server's answer may leave out: an update or complete carries no
 * download URL, a file's copy no task, a create no part URLs for a folder (nor exist unless taken),
 * a trash or delete done at once no body at all.
 */
const MAY_BE_ABSENT: Record<string, readonly string[]> = {
  '/v2/recyclebin/trash': ['async_task_id'],
  '/v2/recyclebin/restore': ['async_task_id'],
  '/v2/file/delete': ['async_task_id'],
  '/v2/file/update': ['download_url', 'url'],
  '/v2/file/complete': ['download_url', 'url'],
  '/v2/file/copy': ['async_task_id'],
  '/v2/file/create': ['exist', 'rapid_upload'],
  '/v2/share_link/create': ['share_url', 'access_count', 'save_count', 'download_count'],
};

/**
 * Item fields pdsfs reads (through the one file conversion) that the local server leaves out of some
 * listings: a recycle-bin entry carries no permissions nor download URL, a search hit no permissions.
 */
const ITEMS_MAY_LACK: Record<string, readonly string[]> = {
  '/v2/recyclebin/list': ['action_list', 'download_url', 'url'],
  '/v2/file/search': ['action_list'],
};

/** What pdsfs sends and reads (src/pds/drive-remote.ts, remote-base.ts, api-*.ts, upload.ts, entry.ts, app.ts). */
const TABLE: Record<string, Contract> = {
  '/v2/drive/list_my_drives': { sends: ['limit', 'marker'], reads: ['items', 'next_marker'], itemReads: ['drive_id', 'drive_name'] },
  '/v2/drive/list_my_group_drive': { sends: ['limit', 'marker'], reads: ['items', 'next_marker'], itemReads: ['drive_id', 'drive_name'] },
  '/v2/drive/get': { sends: ['drive_id'], reads: ['total_size', 'used_size'] },
  '/v2/file/list': { sends: ['drive_id', 'parent_file_id', 'limit', 'marker', 'fields', 'url_expire_sec'], reads: ['items', 'next_marker'], itemReads: FILE_READS },
  '/v2/file/get': { sends: ['drive_id', 'file_id', 'url_expire_sec'], reads: FILE_READS },
  '/v2/file/create': {
    sends: [
      'drive_id', 'parent_file_id', 'name', 'type', 'size', 'part_info_list', 'file_id', 'check_name_mode', 'content_hash', 'content_hash_name', 'pre_hash',
      'parallel_upload', 'local_modified_at', 'user_meta',
    ],
    reads: ['file_id', 'upload_id', 'part_info_list', 'rapid_upload', 'exist'],
  },
  '/v2/file/complete': { sends: ['drive_id', 'file_id', 'upload_id', 'part_info_list'], reads: FILE_READS },
  '/v2/file/get_download_url': { sends: ['drive_id', 'file_id', 'expire_sec', 'revision_id'], reads: ['url', 'expiration', 'content_hash'] },
  '/v2/recyclebin/trash': { sends: ['drive_id', 'file_id'], reads: ['async_task_id'] },
  '/v2/file/delete': { sends: ['drive_id', 'file_id'], reads: ['async_task_id'] },
  '/v2/recyclebin/list': { sends: ['drive_id', 'limit', 'marker'], reads: ['items', 'next_marker'], itemReads: [...FILE_READS, 'trashed_at'] },
  '/v2/recyclebin/restore': { sends: ['drive_id', 'file_id'], reads: ['async_task_id'] },
  '/v2/file/search': { sends: ['drive_id', 'query', 'limit', 'marker', 'order_by'], reads: ['items', 'next_marker'], itemReads: FILE_READS },
  '/v2/async_task/get': { sends: ['async_task_id'], reads: ['async_task_id', 'state', 'status', 'error_code', 'error_message'] },
  '/v2/file/get_last_cursor': { sends: ['drive_id'], reads: ['cursor'] },
  '/v2/file/list_delta': { sends: ['drive_id', 'cursor', 'limit'], reads: ['items', 'cursor', 'has_more'], itemReads: ['op', 'file_id', 'file'] },
  '/v2/share_link/create': {
    sends: ['drive_id', 'file_id_list', 'share_pwd', 'expiration', 'share_name', 'description', 'creatable'],
    reads: [
      'share_id', 'share_name', 'description', 'drive_id', 'file_id_list', 'share_pwd', 'expiration', 'status', 'expired', 'created_at', 'share_url',
      'access_count', 'save_count', 'download_count',
    ],
    // The upload flag of the owner's view: no source of the extract names it in this answer.
    tolerated: ['creatable', 'enable_upload'],
  },
  '/v2/share_link/get_by_anonymous': {
    sends: ['share_id'],
    reads: ['share_name', 'creator_id', 'creator_name', 'has_pwd', 'expiration', 'disable_download', 'enable_upload'],
    tolerated: ['creatable'],
  },
  '/v2/share_link/get_share_token': { sends: ['share_id', 'share_pwd', 'expire_sec'], reads: ['share_token', 'expire_time', 'expires_in'] },
  '/v2/file/get_by_path': {
    sends: ['drive_id', 'file_path', 'url_expire_sec'],
    reads: ['file_id', 'parent_file_id', 'name', 'type', 'size', 'updated_at', 'created_at', 'content_hash', 'content_hash_name', 'revision_id', 'user_meta', 'action_list', 'download_url', 'url'],
    // entry.ts takes the modification time from it where a file object has it (the reference's File does).
    tolerated: ['local_modified_at'],
  },
  '/v2/file/move': { sends: ['drive_id', 'file_id', 'to_parent_file_id', 'new_name', 'check_name_mode'], reads: ['async_task_id', 'exist'] },
  '/v2/file/copy': { sends: ['drive_id', 'file_id', 'to_parent_file_id', 'to_drive_id', 'new_name', 'auto_rename'], reads: ['file_id', 'async_task_id'], tolerated: ['exist'] },
  '/v2/file/update': {
    sends: ['drive_id', 'file_id', 'name', 'check_name_mode', 'local_modified_at'],
    reads: FILE_READS,
    tolerated: ['exist'],
  },
};

describe('PDS field contract (drives, files, get_by_path, uploads, recycle bin, search, tasks, change feed, share links)', () => {
  let e: StartedEmulator;
  let proxy: http.Server;
  const seen = new Map<string, { sent: Set<string>; answered: Set<string>; answeredItems: Set<string> }>();

  before(async () => {
    e = await startEmulator();
    const target = new URL(e.endpoint);
    // A real pass-through proxy that notes the top-level JSON keys of each /v2 body and answer.
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          const back: Buffer[] = [];
          answer.on('data', (c: Buffer) => back.push(c));
          answer.on('end', () => {
            const text = Buffer.concat(back);
            const path = (req.url ?? '').split('?')[0]!;
            if (path in TABLE && (answer.statusCode ?? 0) < 300) {
              const entry = seen.get(path) ?? { sent: new Set(), answered: new Set(), answeredItems: new Set() };
              const answer = JSON.parse(text.toString() || '{}') as Record<string, unknown>;
              for (const k of Object.keys(JSON.parse(body.toString() || '{}'))) entry.sent.add(k);
              for (const k of Object.keys(answer)) entry.answered.add(k);
              for (const item of Array.isArray(answer.items) ? answer.items : []) for (const k of Object.keys(item as object)) entry.answeredItems.add(k);
              seen.set(path, entry);
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
        });
        up.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const client = connectPds({ endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, accessToken: e.account.access_token });
    const drive = new DriveRemote(client, e.account.drive_id);
    const team = new DriveRemote(client, e.account.team_drive_id);
    // The calls pdsfs makes for its drives and their space, a listing, a lookup, rename, move, copy and touch.
    for await (const d of client.drives.iterateUsable()) void d;
    await drive.statfs();
    const a = await drive.createDir('root', 'a');
    const b = await drive.createDir('root', 'b');
    const data = Buffer.from('contract');
    const f = await drive.uploadStream(a.id, 'f.txt', Readable.from([data]), data.length, { userMeta: '{"mode":420}', mtime: Date.parse('2020-01-01T00:00:00.000Z') });
    await drive.update(f.id, { name: 'g.txt', mtime: Date.parse('2020-01-02T03:04:05.000Z') });
    for await (const listed of drive.list(a.id)) void listed;
    await drive.get(f.id);
    const cursor = await drive.latestCursor();
    await drive.move(f.id, b.id, 'h.txt');
    await drive.copy(f.id, a.id, 'copy.txt');
    await drive.copy(f.id, 'root', 'to-team.txt', team);
    // Trash and delete once done at once (204, no body) and once as a task (202, async_task/get).
    const goneData = Buffer.from('gone');
    const gone = await drive.uploadStream('root', 'gone.txt', Readable.from([goneData]), goneData.length, { userMeta: '{}', mtime: Date.parse('2020-01-01T00:00:00.000Z') });
    await drive.trash(gone.id);
    await drive.trashed();
    await drive.restore(gone.id);
    await drive.search('name match "gone"');
    await drive.trash(gone.id);
    await drive.delete(gone.id);
    e.emu.setFaults({ asyncRate: 1, asyncDelayMs: 10 });
    const later = await drive.createDir('root', 'later');
    await drive.trash(later.id);
    await drive.delete(later.id);
    e.emu.setFaults({ asyncRate: 0 });
    await drive.changes(cursor);
    // A share link as pdsfs makes one, then opened as a share volume (public view, share token).
    const link = await client.shareLinks.create({
      drive_id: e.account.drive_id, file_id_list: [a.id], share_pwd: 'pw', expiration: '', share_name: 'contract', description: 'd', creatable: true,
    });
    assert.equal((await new ShareRemote(client, link.share_id, { password: 'pw' }).probe()).problem, undefined);
    // A read with no download URL remembered from a listing (a client of its own) asks for one.
    const reader = connectPds({ endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, accessToken: e.account.access_token });
    const moved = await drive.get(f.id);
    for await (const chunk of await new DriveRemote(reader, e.account.drive_id).openRange(moved, 0, 3)) void chunk;
    reader.close();
    // A file (its download URL) and a folder with user_meta: between them every field pdsfs reads.
    await drive.getByPath(['b', 'h.txt']);
    await drive.createDir('root', 'meta', { userMeta: '{"mode":448}' });
    await drive.getByPath(['meta']);
    client.close();
  });
  after(async () => {
    proxy.close();
    await e.close();
  });

  for (const [path, c] of Object.entries(TABLE)) {
    it(`${path}: the table is made of official names`, () => {
      const spec = SPEC[path]!;
      const official = new Set([...spec.request.tea, ...spec.request.ref, ...(spec.request.js ?? [])]);
      assert.deepEqual(c.sends.filter((f) => !official.has(f)), [], 'sent fields no official source names');
      assert.deepEqual(c.reads.filter((f) => !spec.response.includes(f)), [], 'read fields no official source names');
      assert.deepEqual((c.itemReads ?? []).filter((f) => !spec.items?.includes(f)), [], 'item fields read that no official source names');
      assert.deepEqual((c.tolerated ?? []).filter((f) => spec.response.includes(f)), [], 'a tolerated field the spec names belongs in reads');
    });

    it(`${path}: pdsfs sends only what the table says, and the local server answers what pdsfs reads`, () => {
      const got = seen.get(path);
      assert.ok(got, `pdsfs made no ${path} call`);
      assert.deepEqual([...got.sent].filter((f) => !c.sends.includes(f)), [], 'pdsfs sent fields missing from the table');
      const absent = MAY_BE_ABSENT[path] ?? [];
      assert.deepEqual(c.reads.filter((f) => !got.answered.has(f) && !absent.includes(f)), [], 'fields pdsfs reads that the local server never answered');
      const lacking = ITEMS_MAY_LACK[path] ?? [];
      assert.deepEqual((c.itemReads ?? []).filter((f) => !got.answeredItems.has(f) && !lacking.includes(f)), [], 'item fields pdsfs reads that the local server never answered');
      const fileAnswer = SPEC[path]!.response.includes('parent_file_id') && path !== '/v2/file/create';
      const allowed = new Set([...SPEC[path]!.response, ...(c.tolerated ?? []), ...(fileAnswer ? LOCAL_FILE_EXTRAS : [])]);
      assert.deepEqual([...got.answered].filter((f) => !allowed.has(f)), [], 'the local server answered fields the spec does not name');
      const fileItems = SPEC[path]!.items?.includes('parent_file_id');
      const allowedItems = new Set([...(SPEC[path]!.items ?? []), ...(fileItems ? LOCAL_FILE_EXTRAS : [])]);
      assert.deepEqual([...got.answeredItems].filter((f) => !allowedItems.has(f)), [], 'the local server answered item fields the spec does not name');
    });
  }

  it('file/list asks for every field (fields: "*"), so that action_list comes back', () => {
    assert.ok(seen.get('/v2/file/list')?.sent.has('fields'));
    assert.ok(seen.get('/v2/file/list')?.answeredItems.has('action_list'));
  });
});
