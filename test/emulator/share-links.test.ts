// Share links: the seed flow of the PDS share-link guide (run with curl), owner-side management,
// and what a share token may and may not reach.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { pds, startEmulator, type PdsAnswer, type StartedEmulator } from '../helpers/emulator.js';
import { mkdir, uploadFile } from './support.js';

const run = promisify(execFile);

/** POSTs JSON with curl and returns {status, body}. */
async function curl(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const args = ['-sS', '-X', 'POST', url, '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), '-w', '\n%{http_code}'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const { stdout } = await run('curl', args);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) };
}

describe('share links', () => {
  let e: StartedEmulator;
  let call: (path: string, body: Record<string, unknown>) => Promise<PdsAnswer>;
  let fileId: string;
  let folderId: string;
  let innerId: string;
  let outsideId: string;
  before(async () => {
    e = await startEmulator();
    call = (path, body) => pds(e.endpoint, e.account.access_token, path, { drive_id: e.account.drive_id, ...body });
    fileId = (await uploadFile(e, 'root', 'shared.txt', Buffer.from('shared bytes'))).file_id;
    folderId = await mkdir(e, 'root', 'shared-folder');
    innerId = (await uploadFile(e, folderId, 'inner.txt', Buffer.from('inner'))).file_id;
    outsideId = (await uploadFile(e, 'root', 'private.txt', Buffer.from('private'))).file_id;
  });
  after(() => e.close());

  it('runs the seed flow end to end with curl', async () => {
    const api = (p: string) => `${e.endpoint}/v2/${p}`;
    const bearer = { Authorization: `Bearer ${e.account.access_token}` };
    const created = await curl(api('share_link/create'), {
      drive_id: e.account.drive_id, file_id_list: [fileId, folderId], share_pwd: 'testSharePwd', expiration: new Date(Date.now() + 86400_000).toISOString(), share_name: 'Seed share',
    }, bearer);
    assert.equal(created.status, 201);
    const shareId = created.body.share_id;
    assert.deepEqual(created.body.file_id_list, [fileId, folderId]);
    assert.equal(created.body.share_pwd, 'testSharePwd');

    const anon = await curl(api('share_link/get_by_anonymous'), { share_id: shareId });
    assert.equal(anon.status, 200);
    assert.equal(anon.body.share_name, 'Seed share');
    assert.equal(anon.body.has_pwd, true);
    assert.equal(anon.body.file_count, undefined, 'the public view names neither the files nor the id');
    assert.equal(anon.body.share_id, undefined);
    assert.equal(anon.body.creator_id, e.account.user_id);
    assert.equal(anon.body.share_pwd, undefined);

    const wrong = await curl(api('share_link/get_share_token'), { share_id: shareId, share_pwd: 'nope' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.code, 'InvalidResource.SharePwd');
    assert.equal((await curl(api('share_link/get_share_token'), { share_id: shareId })).body.code, 'InvalidResource.SharePwd');
    const tok = await curl(api('share_link/get_share_token'), { share_id: shareId, share_pwd: 'testSharePwd' });
    assert.equal(tok.status, 200);
    assert.equal(tok.body.expires_in, 7200);
    const st = { 'x-share-token': tok.body.share_token };

    const top = await curl(api('file/list'), { share_id: shareId, parent_file_id: 'root' }, st);
    assert.equal(top.status, 200);
    assert.deepEqual(top.body.items.map((i: any) => i.name).sort(), ['shared-folder', 'shared.txt']);
    assert.ok(top.body.items.every((i: any) => i.parent_file_id === 'root' && i.share_id === shareId));
    assert.equal(top.body.next_marker, '');
    const inner = await curl(api('file/list'), { share_id: shareId, parent_file_id: folderId }, st);
    assert.deepEqual(inner.body.items.map((i: any) => i.name), ['inner.txt']);

    const got = await curl(api('file/get'), { share_id: shareId, file_id: fileId }, st);
    assert.equal(got.status, 200);
    assert.equal(got.body.name, 'shared.txt');
    const url = await curl(api('file/get_download_url'), { share_id: shareId, file_id: innerId }, st);
    const { stdout: bytes } = await run('curl', ['-sS', url.body.url]);
    assert.equal(bytes, 'inner');

    const target = await mkdir(e, 'root', 'saved');
    const copied = await curl(api('file/copy'), { share_id: shareId, file_id: fileId, to_drive_id: e.account.drive_id, to_parent_file_id: target }, { ...st, ...bearer });
    assert.equal(copied.status, 201);
    assert.equal(copied.body.drive_id, e.account.drive_id);
    const folderCopy = await curl(api('file/copy'), { share_id: shareId, file_id: folderId, to_drive_id: e.account.drive_id, to_parent_file_id: target }, { ...st, ...bearer });
    assert.ok(folderCopy.body.async_task_id);
    for (;;) {
      const t = await curl(api('async_task/get'), { async_task_id: folderCopy.body.async_task_id }, bearer);
      if (t.body.state === 'Succeed') break;
      assert.equal(t.body.state, 'Running');
    }
    const saved = await call('file/list', { parent_file_id: target, order_by: 'name' });
    assert.deepEqual(saved.body.items.map((i: any) => i.name), ['shared-folder', 'shared.txt']);
    const savedInner = await call('file/list', { parent_file_id: saved.body.items[0].file_id });
    assert.deepEqual(savedInner.body.items.map((i: any) => i.name), ['inner.txt']);
    const noBearer = await curl(api('file/copy'), { share_id: shareId, file_id: fileId, to_drive_id: e.account.drive_id, to_parent_file_id: 'root' }, st);
    assert.equal(noBearer.status, 401);
  });

  it('keeps share-token access inside the share and read-only', async () => {
    const share = (await call('share_link/create', { file_id_list: [folderId] })).body;
    const tok = (await pds(e.endpoint, '', 'share_link/get_share_token', { share_id: share.share_id })).body.share_token;
    const viaShare = (p: string, body: Record<string, unknown>, token = tok) => pds(e.endpoint, '', p, { share_id: share.share_id, ...body }, { 'x-share-token': token });
    assert.equal((await viaShare('file/get', { file_id: innerId })).status, 200);
    assert.equal((await viaShare('file/get', { file_id: outsideId })).status, 404);
    assert.equal((await viaShare('file/list', { parent_file_id: 'root' })).body.items.length, 1);
    assert.equal((await viaShare('file/get_download_url', { file_id: outsideId })).status, 404);
    const missing = await pds(e.endpoint, '', 'file/list', { share_id: share.share_id, parent_file_id: 'root' });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.code, 'ShareLinkTokenInvalid');
    assert.equal((await viaShare('file/list', { parent_file_id: 'root' }, tok + 'x')).body.code, 'ShareLinkTokenInvalid');
    const write = await viaShare('file/create', { parent_file_id: folderId, name: 'new', type: 'folder' });
    assert.equal(write.status, 403);
    const other = (await call('share_link/create', { file_id_list: [fileId] })).body;
    const crossed = await pds(e.endpoint, '', 'file/list', { share_id: other.share_id, parent_file_id: 'root' }, { 'x-share-token': tok });
    assert.equal(crossed.body.code, 'ShareLinkTokenInvalid');

    const short = (await pds(e.endpoint, '', 'share_link/get_share_token', { share_id: share.share_id, expire_sec: 1 })).body;
    assert.equal(short.expires_in, 1);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await viaShare('file/list', { parent_file_id: 'root' }, short.share_token);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.code, 'ShareLinkTokenInvalid');
    assert.equal((await pds(e.endpoint, '', 'share_link/get_share_token', { share_id: share.share_id, expire_sec: 7201 })).status, 400);
  });

  it('lets a creatable share take new entries in its folders', async () => {
    const share = (await call('share_link/create', { file_id_list: [folderId], creatable: true })).body;
    assert.equal(share.creatable, true);
    const tok = (await pds(e.endpoint, '', 'share_link/get_share_token', { share_id: share.share_id })).body.share_token;
    const made = await pds(e.endpoint, '', 'file/create', { share_id: share.share_id, parent_file_id: folderId, name: 'dropped', type: 'folder' }, { 'x-share-token': tok });
    assert.equal(made.status, 201);
    assert.equal((await call('file/get', { file_id: made.body.file_id })).body.parent_file_id, folderId);
  });

  it('names the upload flag enable_upload in the public view (SDK guide) and takes either name', async () => {
    const viaJsName = (await call('share_link/create', { file_id_list: [folderId], enable_upload: true })).body;
    assert.equal(viaJsName.creatable, true, 'owner side: creatable, as the tea spec names it');
    const anon = (await pds(e.endpoint, '', 'share_link/get_by_anonymous', { share_id: viaJsName.share_id })).body;
    assert.equal(anon.enable_upload, true);
    assert.equal(anon.creatable, undefined);
    const closed = (await call('share_link/update', { share_id: viaJsName.share_id, enable_upload: false })).body;
    assert.equal(closed.creatable, false);
  });

  it('manages share links: list, get, update, cancel, expiry', async () => {
    const a = (await call('share_link/create', { file_id_list: [fileId], description: 'first' })).body;
    assert.equal(a.share_name, 'shared.txt', 'the name defaults to the first file');
    assert.equal(a.expiration, '');
    assert.equal(a.expired, false);
    const b = (await call('share_link/create', { file_id_list: [folderId], share_name: 'second' })).body;

    const page1 = await call('share_link/list', { limit: 1 });
    assert.equal(page1.body.items[0].share_id, b.share_id, 'newest first');
    const rest: string[] = [];
    let marker = page1.body.next_marker;
    while (marker) {
      const p = await call('share_link/list', { limit: 1, marker });
      rest.push(...p.body.items.map((s: any) => s.share_id));
      marker = p.body.next_marker;
    }
    assert.ok(rest.includes(a.share_id));

    assert.equal((await call('share_link/get', { share_id: a.share_id })).body.description, 'first');
    assert.equal((await call('share_link/get', { share_id: 'nope' })).body.code, 'NotFound.ShareLink');
    const updated = await call('share_link/update', { share_id: a.share_id, share_pwd: 'abc', share_name: 'renamed' });
    assert.equal(updated.body.share_pwd, 'abc');
    assert.equal(updated.body.share_name, 'renamed');
    assert.equal((await pds(e.endpoint, '', 'share_link/get_by_anonymous', { share_id: a.share_id })).body.has_pwd, true);
    assert.equal((await call('share_link/update', { share_id: a.share_id, share_pwd: 'tab\there' })).body.code, 'InvalidParameter.SharePwd');

    await call('share_link/update', { share_id: b.share_id, expiration: new Date(Date.now() - 1000).toISOString() });
    const expired = await pds(e.endpoint, '', 'share_link/get_share_token', { share_id: b.share_id });
    assert.equal(expired.status, 400);
    assert.equal(expired.body.code, 'ShareLink.Expired');
    assert.equal((await call('share_link/get', { share_id: b.share_id })).body.expired, true);

    assert.equal((await call('share_link/cancel', { share_id: a.share_id })).status, 204);
    const anon = await pds(e.endpoint, '', 'share_link/get_by_anonymous', { share_id: a.share_id });
    assert.equal(anon.status, 400);
    assert.equal(anon.body.code, 'ShareLink.Cancelled');
    assert.equal((await pds(e.endpoint, '', 'share_link/get_share_token', { share_id: a.share_id, share_pwd: 'abc' })).body.code, 'ShareLink.Cancelled');
    const listed = await call('share_link/list', {});
    assert.ok(!listed.body.items.some((s: any) => s.share_id === a.share_id));
    const withCancelled = await call('share_link/list', { include_cancelled: true });
    assert.ok(withCancelled.body.items.some((s: any) => s.share_id === a.share_id));
    assert.equal((await pds(e.endpoint, '', 'share_link/get_by_anonymous', { share_id: 'nope' })).body.code, 'NotFound.ShareLink');
    assert.equal((await call('share_link/create', { file_id_list: ['missing'] })).status, 404);
    assert.equal((await call('share_link/create', { file_id_list: [] })).status, 400);
  });
});
