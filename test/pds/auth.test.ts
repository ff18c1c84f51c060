// Token lifetimes of 1–2 s: refresh before expiry and on AccessTokenInvalid in the middle of a
// sequence, rotated pairs written to the token store, concurrent refreshes merged.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { PdsError } from '../../src/pds/errors.js';
import { vfsCodeOf } from '../../src/pds/error-map.js';
import { LOGIN_EXPIRED, RefreshTokenSource, type SharedTokenStore } from '../../src/pds/auth.js';
import { MemoryTokenStore } from '../../src/config/token-store.js';
import { bufferSource } from '../../src/pds/upload-source.js';
import { startPds } from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const appKey = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const pds = await startPds({ tokenTtlMs: 1000, jwtPublicKeyPem: appKey.publicKey });


function refreshing(tokenStore?: SharedTokenStore) {
  const fresh = pds.emu.devAccount();
  return pds.connect({ accessToken: undefined, refreshToken: fresh.refresh_token, clientId: fresh.client_id, clientSecret: fresh.client_secret, ...(tokenStore ? { tokenStore } : {}) });
}

/** A memory store that remembers every refresh token written to it. */
function recordingStore(): { store: SharedTokenStore; rotated: string[] } {
  const inner = new MemoryTokenStore();
  const rotated: string[] = [];
  const store: SharedTokenStore = {
    read: () => inner.read(),
    locked: (change) =>
      inner.locked(async (stored) => {
        const out = await change(stored);
        if (out.write) rotated.push(out.write.refreshToken);
        return out;
      }),
  };
  return { store, rotated };
}

test('a fixed access token stops working at expiry (EACCES)', async () => {
  const fixed = pds.connect({ accessToken: pds.emu.devAccount().access_token });
  await fixed.users.get();
  await sleep(2100); // tokens live ttl..ttl+1 s (expiry is rounded up to whole seconds)
  await assert.rejects(fixed.users.get(), (e: unknown) => e instanceof PdsError && e.code === 'AccessTokenInvalid' && vfsCodeOf(e) === 'EACCES');
});

test('refresh-token grant: a sequence across several expiries keeps working, rotations are persisted', async () => {
  const { store, rotated } = recordingStore();
  const client = refreshing(store);
  const dir = await client.uploads.create({ drive_id: pds.driveId, parent_file_id: 'root', name: 'auth-seq', type: 'folder', check_name_mode: 'refuse' });
  for (let i = 0; i < 4; i++) {
    await client.uploader.upload({ scope: { drive_id: pds.driveId }, parentId: dir.file_id, name: `f${i}`, source: bufferSource(Buffer.from(`n${i}`)) });
    await sleep(700);
  }
  const listed = await client.files.list({ drive_id: pds.driveId, parent_file_id: dir.file_id });
  assert.equal(listed.items.length, 4);
  assert.ok(rotated.length >= 2, `rotated ${rotated.length} times`);
  assert.equal(new Set(rotated).size, rotated.length, 'every rotation yields a new refresh token');
  // The persisted (latest) refresh token works for a new process.
  const fresh = pds.emu.devAccount();
  const reborn = pds.connect({ accessToken: undefined, refreshToken: rotated.at(-1), clientId: fresh.client_id, clientSecret: fresh.client_secret });
  assert.equal((await reborn.users.get()).user_id, pds.account.user_id);
});

test('a rejected token is refreshed once and the call retried', async () => {
  const fresh = pds.emu.devAccount();
  // Start with a token the server does not accept; the refresh token is good.
  const client = pds.connect({ accessToken: 'stale-token', refreshToken: fresh.refresh_token, clientId: fresh.client_id, clientSecret: fresh.client_secret });
  assert.equal((await client.users.get()).user_id, pds.account.user_id);
});

test('concurrent calls after expiry share a single refresh', async () => {
  const client = refreshing();
  await client.users.get();
  await sleep(1100);
  const before = pds.emu.stats.requests['/v2/oauth/token'] ?? 0;
  const users = await Promise.all(Array.from({ length: 10 }, () => client.users.get()));
  assert.equal(users.length, 10);
  assert.equal((pds.emu.stats.requests['/v2/oauth/token'] ?? 0) - before, 1);
});

test('a dead refresh token surfaces as EACCES "login expired", asked of the server once', async () => {
  const fresh = pds.emu.devAccount();
  const client = pds.connect({ accessToken: undefined, refreshToken: 'bogus', clientId: fresh.client_id, clientSecret: fresh.client_secret });
  const before = pds.emu.stats.requests['/v2/oauth/token'] ?? 0;
  for (let i = 0; i < 3; i++) {
    await assert.rejects(client.users.get(), (e: unknown) => e instanceof PdsError && e.code === 'LoginExpired' && e.message === LOGIN_EXPIRED && vfsCodeOf(e) === 'EACCES');
  }
  assert.equal((pds.emu.stats.requests['/v2/oauth/token'] ?? 0) - before, 1, 'a dead login is not retried against the token endpoint');
  assert.ok(client.tokenSource instanceof RefreshTokenSource);
  assert.equal(client.tokenSource.problem(), LOGIN_EXPIRED);
});

test('JWT application login (RS256 assertion, jwt-bearer grant), renewed across expiry', async () => {
  const { client_id, domain_id, user_id } = pds.account;
  const client = pds.connect({ accessToken: undefined, jwt: { clientId: client_id, privateKeyPem: appKey.privateKey, userId: user_id, domainId: domain_id } });
  assert.equal((await client.users.get()).user_id, user_id);
  const before = pds.emu.stats.requests['/v2/oauth/token'] ?? 0;
  await sleep(2100);
  assert.equal((await client.drives.getDefault()).drive_id, pds.driveId);
  assert.equal((pds.emu.stats.requests['/v2/oauth/token'] ?? 0) - before, 1);
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const forged = pds.connect({ accessToken: undefined, jwt: { clientId: client_id, privateKeyPem: otherKey.privateKey, userId: user_id, domainId: domain_id } });
  await assert.rejects(forged.users.get(), (e: unknown) => e instanceof PdsError && e.status === 400 && e.code.startsWith('InvalidParameter'));
});
