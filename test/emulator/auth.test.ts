// Tokens, request conventions, drives and users of the local PDS server.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pds, startEmulator, type StartedEmulator } from '../helpers/emulator.js';

async function tokenRequest(endpoint: string, form: Record<string, string>) {
  const res = await fetch(`${endpoint}/v2/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

function rs256(claims: object, privateKeyPem: string): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${b({ alg: 'RS256', typ: 'JWT' })}.${b(claims)}`;
  return `${data}.${sign('RSA-SHA256', Buffer.from(data), privateKeyPem).toString('base64url')}`;
}

describe('auth and conventions', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  let e: StartedEmulator;
  before(async () => {
    e = await startEmulator({ jwtPublicKeyPem: keys.publicKey });
  });
  after(() => e.close());

  it('refresh_token grant rotates the refresh token and ends the old access token', async () => {
    // A pair of its own: refreshing e.account's would end the access token the other tests use.
    const { client_id, refresh_token, access_token } = e.emu.devAccount();
    assert.equal((await pds(e.endpoint, access_token, 'user/get', {})).status, 200);
    const first = await tokenRequest(e.endpoint, { grant_type: 'refresh_token', client_id, refresh_token });
    assert.equal(first.status, 200);
    assert.equal(first.body.token_type, 'Bearer');
    assert.equal(first.body.default_drive_id, e.account.drive_id);
    assert.notEqual(first.body.refresh_token, refresh_token);
    assert.ok(Date.parse(first.body.expire_time) > Date.now());
    const user = await pds(e.endpoint, first.body.access_token, 'user/get', {});
    assert.equal(user.body.user_id, e.account.user_id);

    const reused = await tokenRequest(e.endpoint, { grant_type: 'refresh_token', client_id, refresh_token });
    assert.equal(reused.status, 400);
    assert.equal(reused.body.code, 'InvalidParameter.RefreshToken');
    // "After you refresh the access token, the old access token and refresh token become invalid."
    const old = await pds(e.endpoint, access_token, 'user/get', {});
    assert.equal(old.status, 401);
    assert.equal(old.body.code, 'AccessTokenInvalid');
    const next = await tokenRequest(e.endpoint, { grant_type: 'refresh_token', client_id, refresh_token: first.body.refresh_token });
    assert.equal(next.status, 200);
    assert.equal((await pds(e.endpoint, first.body.access_token, 'user/get', {})).status, 401);
    assert.equal((await pds(e.endpoint, next.body.access_token, 'user/get', {})).status, 200);
  });

  it('a refresh token past its lifetime is refused; its access token lives on until its own expiry', async () => {
    const short = await startEmulator({ refreshTokenTtlMs: 0 });
    try {
      const { client_id, refresh_token, access_token } = short.account;
      const dead = await tokenRequest(short.endpoint, { grant_type: 'refresh_token', client_id, refresh_token });
      assert.equal(dead.status, 400);
      assert.equal(dead.body.code, 'InvalidParameter.RefreshToken');
      assert.equal((await pds(short.endpoint, access_token, 'user/get', {})).status, 200);
    } finally {
      await short.close();
    }
  });

  it('refuses an unknown client, a wrong secret and an unknown grant', async () => {
    const base = { grant_type: 'refresh_token', refresh_token: e.account.refresh_token };
    assert.equal((await tokenRequest(e.endpoint, { ...base, client_id: 'nope' })).body.code, 'InvalidParameter.ClientId');
    assert.equal((await tokenRequest(e.endpoint, { ...base, client_id: e.account.client_id, client_secret: 'wrong' })).body.code, 'InvalidParameter.ClientSecret');
    assert.equal((await tokenRequest(e.endpoint, { grant_type: 'password', client_id: e.account.client_id })).body.code, 'InvalidParameter.GrantType');
  });

  it('jwt-bearer grant accepts an RS256 assertion from the registered key only', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: e.account.client_id, sub: e.account.user_id, sub_type: 'user', aud: e.account.domain_id, jti: randomUUID(), iat: now - 5, exp: now + 300 };
    const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const ok = await tokenRequest(e.endpoint, { grant_type: grant, client_id: e.account.client_id, assertion: rs256(claims, keys.privateKey) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user_id, e.account.user_id);
    assert.equal((await pds(e.endpoint, ok.body.access_token, 'drive/get_default_drive', {})).body.drive_id, e.account.drive_id);

    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forged = await tokenRequest(e.endpoint, { grant_type: grant, client_id: e.account.client_id, assertion: rs256(claims, other.privateKey) });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.code, 'InvalidParameter.Assertion');
    const expired = await tokenRequest(e.endpoint, { grant_type: grant, client_id: e.account.client_id, assertion: rs256({ ...claims, exp: now - 1 }, keys.privateKey) });
    assert.equal(expired.body.code, 'InvalidParameter.Assertion');
    const wrongAud = await tokenRequest(e.endpoint, { grant_type: grant, client_id: e.account.client_id, assertion: rs256({ ...claims, aud: 'other' }, keys.privateKey) });
    assert.equal(wrongAud.body.code, 'InvalidParameter.Assertion');
  });

  it('needs a valid bearer token', async () => {
    const none = await pds(e.endpoint, '', 'user/get', {});
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'AccessTokenInvalid');
    const garbage = await pds(e.endpoint, 'not-a-token', 'drive/list_my_drives', {});
    assert.equal(garbage.status, 401);
    assert.equal(garbage.body.code, 'AccessTokenInvalid');
  });

  it('answers malformed JSON, unknown paths and wrong methods, always with a request id', async () => {
    const bad = await fetch(`${e.endpoint}/v2/file/list`, { method: 'POST', headers: { authorization: `Bearer ${e.account.access_token}` }, body: '{"drive_id": ' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).code, 'InvalidRequestJSONFormat');
    assert.ok(bad.headers.get('x-ca-request-id'));
    const unknown = await pds(e.endpoint, e.account.access_token, '/v2/file/teleport', {});
    assert.equal(unknown.status, 404);
    assert.ok(unknown.headers.get('x-ca-request-id'));
    const get = await fetch(`${e.endpoint}/v2/file/list`);
    assert.equal(get.status, 405);
    assert.equal((await fetch(`${e.endpoint}/admin/faults`)).status, 404, 'admin API is off unless enabled');
    const ok = await pds(e.endpoint, e.account.access_token, 'user/get', {});
    assert.match(ok.headers.get('x-ca-request-id') ?? '', /^[0-9A-F-]{36}$/);
    assert.notEqual(ok.headers.get('x-ca-request-id'), unknown.headers.get('x-ca-request-id'));
  });

  it('lists and reads drives and the user', async () => {
    const t = e.account.access_token;
    // Own drives from list_my_drives, team drives from list_my_group_drive (official JS SDK).
    const mine = await pds(e.endpoint, t, 'drive/list_my_drives', {});
    assert.deepEqual(mine.body.items.map((d: any) => d.drive_id), [e.account.drive_id]);
    assert.equal(mine.body.next_marker, '');
    const group = await pds(e.endpoint, t, 'drive/list_my_group_drive', {});
    assert.deepEqual(group.body.items.map((d: any) => d.drive_id), [e.account.team_drive_id]);
    assert.equal(group.body.next_marker, '');
    const team = group.body.items[0];
    assert.equal(team.owner_type, 'group');
    const page1 = await pds(e.endpoint, t, 'drive/list', { limit: 1 });
    assert.equal(page1.body.items.length, 1);
    const page2 = await pds(e.endpoint, t, 'drive/list', { limit: 1, marker: page1.body.next_marker });
    assert.equal(page2.body.items[0].drive_id, e.account.team_drive_id);
    const groups = await pds(e.endpoint, t, 'drive/list', { owner_type: 'group' });
    assert.deepEqual(groups.body.items.map((d: any) => d.drive_id), [e.account.team_drive_id]);

    const d = await pds(e.endpoint, t, 'drive/get', { drive_id: e.account.drive_id });
    assert.equal(d.body.drive_name, 'My Drive');
    assert.equal(d.body.used_size, 0);
    assert.ok(d.body.total_size > 0);
    assert.equal((await pds(e.endpoint, t, 'drive/get', { drive_id: '999' })).body.code, 'NotFound.Drive');
    assert.equal((await pds(e.endpoint, t, 'drive/get', {})).status, 400);
    assert.equal((await pds(e.endpoint, t, 'drive/get_default_drive', {})).body.drive_id, e.account.drive_id);

    const u = await pds(e.endpoint, t, 'user/get', {});
    assert.equal(u.body.default_drive_id, e.account.drive_id);
    assert.equal(typeof u.body.created_at, 'number');
    assert.equal((await pds(e.endpoint, t, 'user/get', { user_id: 'ghost' })).status, 404);
    assert.equal((await pds(e.endpoint, t, 'drive/list', { limit: 101 })).body.code, 'InvalidParameter.Limit');
  });
});

describe('token lifetime', () => {
  let e: StartedEmulator;
  before(async () => {
    e = await startEmulator({ tokenTtlMs: 1000 });
  });
  after(() => e.close());

  it('expires access tokens and a refresh in the middle of a sequence continues it', async () => {
    const t = e.account.access_token;
    const folder = await pds(e.endpoint, t, 'file/create', { drive_id: e.account.drive_id, parent_file_id: 'root', name: 'before', type: 'folder' });
    assert.equal(folder.status, 201);
    await new Promise((r) => setTimeout(r, 2100));
    const late = await pds(e.endpoint, t, 'file/list', { drive_id: e.account.drive_id, parent_file_id: 'root' });
    assert.equal(late.status, 401);
    assert.equal(late.body.code, 'AccessTokenInvalid');
    assert.match(late.body.message, /expired/);
    const res = await fetch(`${e.endpoint}/v2/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: e.account.client_id, refresh_token: e.account.refresh_token }).toString(),
    });
    const fresh = (await res.json()) as any;
    assert.equal(fresh.expires_in, 1);
    const again = await pds(e.endpoint, fresh.access_token, 'file/list', { drive_id: e.account.drive_id, parent_file_id: 'root' });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.items.map((i: any) => i.name), ['before']);
  });
});
