// The contract of the PDS calls pdsfs makes, for the endpoints in the spec extract: the request
// fields pdsfs sends and the response fields it reads, each checked three ways. Against the official
// names (pds-spec-extract.ts); against what pdsfs really sends (its calls pass through a recording
// proxy in front of the local server); and against the local server's answers (every field pdsfs
// reads is there, and the server answers no field the spec does not name).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { connectPds } from '../../src/pds/connect.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
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
  /** Read defensively though no official source names it in this answer: must stay absent from the extract. */
  tolerated?: readonly string[];
}

/** What pdsfs sends and reads (src/pds/drive-remote.ts, api-files.ts, entry.ts). */
const TABLE: Record<string, Contract> = {
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
    reads: ['file_id', 'parent_file_id', 'name', 'type', 'size', 'local_modified_at', 'updated_at', 'created_at', 'content_hash', 'content_hash_name', 'revision_id'],
    tolerated: ['exist'],
  },
};

describe('PDS field contract (get_by_path, move, copy, update)', () => {
  let e: StartedEmulator;
  let proxy: http.Server;
  const seen = new Map<string, { sent: Set<string>; answered: Set<string> }>();

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
              const entry = seen.get(path) ?? { sent: new Set(), answered: new Set() };
              for (const k of Object.keys(JSON.parse(body.toString() || '{}'))) entry.sent.add(k);
              for (const k of Object.keys(JSON.parse(text.toString() || '{}'))) entry.answered.add(k);
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
    // The calls pdsfs makes for rename, move, copy and touch.
    const a = await drive.createDir('root', 'a');
    const b = await drive.createDir('root', 'b');
    const data = Buffer.from('contract');
    const f = await drive.uploadStream(a.id, 'f.txt', Readable.from([data]), data.length, {});
    await drive.update(f.id, { name: 'g.txt', mtime: Date.parse('2020-01-02T03:04:05.000Z') });
    await drive.move(f.id, b.id, 'h.txt');
    await drive.copy(f.id, a.id, 'copy.txt');
    await drive.copy(f.id, 'root', 'to-team.txt', team);
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
      const official = new Set([...spec.request.tea, ...spec.request.ref]);
      assert.deepEqual(c.sends.filter((f) => !official.has(f)), [], 'sent fields no official source names');
      assert.deepEqual(c.reads.filter((f) => !spec.response.includes(f)), [], 'read fields no official source names');
      assert.deepEqual((c.tolerated ?? []).filter((f) => spec.response.includes(f)), [], 'a tolerated field the spec names belongs in reads');
    });

    it(`${path}: pdsfs sends only what the table says, and the local server answers what pdsfs reads`, () => {
      const got = seen.get(path);
      assert.ok(got, `pdsfs made no ${path} call`);
      assert.deepEqual([...got.sent].filter((f) => !c.sends.includes(f)), [], 'pdsfs sent fields missing from the table');
      assert.deepEqual(c.reads.filter((f) => !got.answered.has(f) && f !== 'async_task_id' && f !== 'exist'), [], 'fields pdsfs reads that the local server never answered');
      const allowed = new Set([...SPEC[path]!.response, ...(c.tolerated ?? []), ...(path === '/v2/file/update' ? LOCAL_FILE_EXTRAS : [])]);
      assert.deepEqual([...got.answered].filter((f) => !allowed.has(f)), [], 'the local server answered fields the spec does not name');
    });
  }
});
