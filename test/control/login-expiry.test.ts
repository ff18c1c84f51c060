// A dead login in a running daemon, as a user meets it: `pdsfs login`, a daemon on that config,
// the login dies (its refresh token was used elsewhere, as a token that expired would be). The
// daemon says so once, `pdsfs status` says what to do, uploads wait; after a new `pdsfs login`
// they go on, without a restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { Journal } from '../../src/cache/metadata/journal.js';
import { readConfigFile } from '../../src/config/config-file.js';
import { FileTokenStore, tokenStoreFile } from '../../src/config/token-store.js';
import { LOGIN_EXPIRED } from '../../src/pds/auth.js';
import type { StartedEmulator } from '../helpers/emulator.js';
import { writeFile } from '../helpers/app.js';
import { type ControlledApp, eventually, pdsfs, startControlledApp } from './fixture.js';

describe('a dead login in a running daemon', () => {
  let s: ControlledApp;
  let emu: StartedEmulator;
  let configFile: string;

  const login = async () => {
    const { refresh_token, client_id, client_secret } = emu.emu.devAccount();
    const run = await pdsfs(['login', '--config', configFile, '--endpoint', emu.endpoint, '--refresh-token', refresh_token, '--client-id', client_id, '--client-secret', client_secret]);
    assert.equal(run.code, 0, run.stderr);
  };

  before(async () => {
    s = await startControlledApp(async (started) => {
      emu = started;
      configFile = path.join(started.dataDir, 'login', 'config.json');
      await login();
      const stored = readConfigFile(configFile).options;
      return {
        accessToken: undefined,
        refreshToken: String(stored['refresh-token']),
        clientId: String(stored['client-id']),
        clientSecret: String(stored['client-secret']),
        tokenStore: new FileTokenStore(tokenStoreFile(configFile)),
      };
    });
  });
  after(() => s.close());

  it('login left a 0600 token store next to the config, and the daemon works from it', async () => {
    assert.equal(fs.statSync(tokenStoreFile(configFile)).mode & 0o777, 0o600);
    await writeFile(s.app.vfs, `${s.drive}/before.txt`, Buffer.from('before'));
    await eventually(async () => (await s.status()).uploads.pendingFiles === 0, 'first upload');
    assert.equal((await s.status()).login, null);
  });

  /** Someone uses the stored refresh token without the store: the daemon's pair is dead. */
  const killLogin = async () => {
    const dead = new FileTokenStore(tokenStoreFile(configFile)).read()!;
    const res = await fetch(`${emu.endpoint}/v2/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: dead.refreshToken, client_id: dead.clientId }).toString(),
    });
    assert.equal(res.status, 200);
  };

  it('waits with its uploads, says so once, and resumes after a new login', async () => {
    await killLogin();

    await writeFile(s.app.vfs, `${s.drive}/after.txt`, Buffer.from('written while the login was dead'));
    const waiting = await eventually(async () => {
      const st = await s.status();
      return st.login === LOGIN_EXPIRED && st.uploads.pending.some((u) => u.name === 'after.txt' && u.lastError === LOGIN_EXPIRED) && st;
    }, 'status shows the dead login');
    assert.equal(waiting.uploads.failedFiles, 0);
    assert.equal(waiting.uploads.pending.find((u) => u.name === 'after.txt')!.attempts, 0, 'waiting for a login uses up no attempts');
    for (let i = 0; i < 3; i++) await s.app.admin.pollNow();
    const cli = await pdsfs(['status', '--cache-dir', s.cacheDir]);
    assert.match(cli.stdout, /login expired: run pdsfs login/);
    const said = (await s.status()).recentErrors.filter((e) => e.msg.includes(LOGIN_EXPIRED));
    assert.equal(said.length, 1, `said once: ${JSON.stringify(said)}`);
    const polls = (await s.status()).recentErrors.filter((e) => e.msg.startsWith('change feed poll failed'));
    const feeds = s.app.volumes.filter((v) => v.remote.capabilities.changeFeed).length;
    assert.equal(polls.length, feeds, `each drive's change feed failure is logged once, not every poll: ${JSON.stringify(polls)}`);

    await login();
    await eventually(async () => (await s.status()).uploads.pendingFiles === 0, 'upload after the new login', 300);
    const st = await s.status();
    assert.equal(st.login, null);
    assert.equal(st.uploads.failedFiles, 0);
    const listed = await s.app.client.files.list({ drive_id: emu.account.drive_id, parent_file_id: 'root' });
    assert.ok(listed.items.some((f) => f.name === 'after.txt' && f.size === 'written while the login was dead'.length));
  });

  it('stops without waiting for uploads that wait for a login; they stay in the journal', async () => {
    await killLogin();
    await writeFile(s.app.vfs, `${s.drive}/at-stop.txt`, Buffer.from('kept for the next start'));
    await eventually(async () => (await s.status()).login === LOGIN_EXPIRED, 'dead login seen');
    await s.control.close();
    await s.app.close(); // would never return if it waited for the upload
    const db = CacheDb.open(path.join(s.app.cacheDir, 'metadata.sqlite'));
    try {
      assert.deepEqual(new Journal(db).pending().map((r) => r.name), ['at-stop.txt']);
    } finally {
      db.close();
    }
  });
});
