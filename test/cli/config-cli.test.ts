// The config file, login, logout and `config show` through the real CLI (from its sources) in child
// processes, with HOME in a temp dir, against the real local PDS server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OPTIONS } from '../../src/config/options.js';
import { connectPds } from '../../src/pds/connect.js';
import { pdsfsArgs } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-config-cli-'));
after(() => fsp.rm(root, { recursive: true, force: true }));

let n = 0;
/** A fresh HOME, so the default config file is <home>/.config/pdsfs/config.json. */
function freshHome(): { home: string; defaultFile: string } {
  const home = path.join(root, `home-${++n}`);
  fs.mkdirSync(home);
  return { home, defaultFile: path.join(home, '.config', 'pdsfs', 'config.json') };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs pdsfs with only PATH and HOME from this process: no stray PDSFS_* variable leaks in. */
function pdsfs(args: string[], home: string, env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, pdsfsArgs(...args), { env: { PATH: process.env.PATH ?? '', HOME: home, ...env }, timeout: 60_000, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function writeJson(file: string, value: unknown, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value), { mode });
}

async function showJson(home: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ file: string; options: Record<string, unknown>; jwt?: Record<string, string> }> {
  const run = await pdsfs(['config', 'show', '--json', ...args], home, env);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as { file: string; options: Record<string, unknown>; jwt?: Record<string, string> };
}

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;

describe('configuration precedence', { concurrency: true }, () => {
  it('flags > env > config file > defaults, with the file in its default place under HOME', async () => {
    const { home, defaultFile } = freshHome();
    writeJson(defaultFile, { endpoint: 'http://file.invalid', port: 1111, 'cache-dir': '/from/file', 'poll-interval': 7 });
    const shown = await showJson(home, ['--endpoint', 'http://flag.invalid'], { PDSFS_ENDPOINT: 'http://env.invalid', PDSFS_PORT: '2222' });
    assert.equal(shown.file, defaultFile);
    assert.equal(shown.options.endpoint, 'http://flag.invalid', 'flag over env and file');
    assert.equal(shown.options.port, 2222, 'env over file');
    assert.equal(shown.options['cache-dir'], '/from/file', 'file over default');
    assert.equal(shown.options['poll-interval'], 7);
    assert.equal(shown.options['cache-mem'], OPTIONS['cache-mem'].default, 'default when nothing else is set');
    assert.equal(shown.options['data-dir'], path.join(home, '.local', 'share', 'pdsfs'), 'defaults follow HOME');
  });

  it('PDSFS_CONFIG picks another file, and --config beats PDSFS_CONFIG', async () => {
    const { home, defaultFile } = freshHome();
    const viaEnv = path.join(home, 'env.json');
    const viaFlag = path.join(home, 'flag.json');
    writeJson(defaultFile, { port: 1 });
    writeJson(viaEnv, { port: 2 });
    writeJson(viaFlag, { port: 3 });
    assert.equal((await showJson(home, [], { PDSFS_CONFIG: viaEnv })).options.port, 2);
    assert.equal((await showJson(home, ['--config', viaFlag], { PDSFS_CONFIG: viaEnv })).options.port, 3);
    assert.equal((await pdsfs(['config', 'path'], home)).stdout.trim(), defaultFile);
    assert.equal((await pdsfs(['config', 'path'], home, { PDSFS_CONFIG: viaEnv })).stdout.trim(), viaEnv);
  });

  it('names an unknown key in the file and stops', async () => {
    const { home, defaultFile } = freshHome();
    writeJson(defaultFile, { 'cache-dir': '/c', 'poll-intervall': 3 });
    const run = await pdsfs(['config', 'show'], home);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /unknown key "poll-intervall"/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'one line, no stack trace');
    // An argument that merely reads "debug" (a folder name, say) does not turn the stack on.
    const namedDebug = path.join(path.dirname(defaultFile), 'debug');
    writeJson(namedDebug, { 'poll-intervall': 3 });
    const named = await pdsfs(['config', 'show', '--config', 'debug'], home, {}, path.dirname(namedDebug));
    assert.notEqual(named.code, 0);
    assert.doesNotMatch(named.stderr, /\n\s+at /);
  });

  it('settings in the file or env for options a command does not take do not break it', async () => {
    const { home, defaultFile } = freshHome();
    writeJson(defaultFile, { port: 1234, share: ['s1'] });
    const run = await pdsfs(['logout'], home, { PDSFS_HOST: '127.0.0.2' });
    assert.equal(run.code, 0, run.stderr);
    // Multi-word names (yargs keeps them camelCased) and serve's own PDSFS_PASSWORD, outside the table.
    const env = { PDSFS_CACHE_DIR: path.join(home, 'c'), PDSFS_LOG_LEVEL: 'warn', PDSFS_READ_ONLY: 'true', PDSFS_PASSWORD: 'x' };
    for (const args of [['logout'], ['config', 'path']]) {
      const other = await pdsfs(args, home, env);
      assert.equal(other.code, 0, `${args.join(' ')}: ${other.stderr}`);
    }
    const typo = await pdsfs(['logout', '--port', '1'], home);
    assert.notEqual(typo.code, 0, 'a flag the command does not take is still refused');
  });
});

describe('config show', () => {
  it('redacts every secret, in text and JSON, and never reads the JWT private key', async () => {
    const { home, defaultFile } = freshHome();
    const keyFile = path.join(home, 'app.pem');
    fs.writeFileSync(keyFile, 'KEY-MATERIAL-NEVER-PRINTED', { mode: 0o600 });
    writeJson(defaultFile, {
      endpoint: 'http://127.0.0.1:9',
      'refresh-token': 'RT-SECRET-VALUE',
      'client-id': 'app-id',
      'client-secret': 'CS-SECRET-VALUE',
      share: ['shr1:SHARE-PASSWORD-VALUE', 'shr2'],
      jwt: { 'client-id': 'jwt-app', 'private-key-path': keyFile, 'user-id': 'u1', 'domain-id': 'd1' },
    });
    const env = { PDSFS_ACCESS_TOKEN: 'AT-SECRET-VALUE' };
    const text = await pdsfs(['config', 'show'], home, env);
    const json = await pdsfs(['config', 'show', '--json'], home, env);
    for (const run of [text, json]) {
      assert.equal(run.code, 0, run.stderr);
      for (const secret of ['RT-SECRET', 'CS-SECRET', 'AT-SECRET', 'SHARE-PASSWORD', 'KEY-MATERIAL']) {
        assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `${secret} leaked`);
      }
      assert.ok(run.stdout.includes(keyFile), 'the key path is shown');
    }
    const shown = JSON.parse(json.stdout) as { options: Record<string, unknown>; jwt: Record<string, string> };
    assert.equal(shown.options['refresh-token'], '[redacted]');
    assert.equal(shown.options['client-secret'], '[redacted]');
    assert.equal(shown.options['access-token'], '[redacted]');
    assert.deepEqual(shown.options.share, ['shr1:[redacted]', 'shr2']);
    assert.equal(shown.options['client-id'], 'app-id');
    assert.equal(shown.jwt['private-key-path'], keyFile);
    assert.match(text.stdout, /refresh-token\s+\[redacted\]/);
  });
});

describe('login and logout against the local PDS server', { concurrency: true }, () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  before(async () => {
    emu = await startEmulator({ jwtPublicKeyPem: keys.publicKey });
  });
  after(() => emu.close());

  it('checks the credentials, stores them 0600 with the rotated refresh token, and prints no secret', async () => {
    const { home, defaultFile } = freshHome();
    const { endpoint, refresh_token, client_id, client_secret } = emu.emu.devAccount();
    const run = await pdsfs(['login', '--endpoint', endpoint, '--refresh-token', refresh_token, '--client-id', client_id, '--client-secret', client_secret], home);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Logged in to .* as /);
    assert.match(run.stdout, /\[default\]/, 'the default drive is listed');
    for (const secret of [refresh_token, client_secret]) assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
    assert.equal(modeOf(defaultFile), 0o600);
    assert.equal(modeOf(path.dirname(defaultFile)), 0o700);
    const stored = JSON.parse(fs.readFileSync(defaultFile, 'utf8')) as Record<string, string>;
    assert.equal(stored.endpoint, endpoint);
    assert.equal(stored['client-id'], client_id);
    assert.notEqual(stored['refresh-token'], refresh_token, 'the token rotated by the check is the one stored');

    const client = connectPds({ endpoint, refreshToken: stored['refresh-token'], clientId: client_id, clientSecret: client_secret });
    try {
      assert.ok((await client.users.get()).user_id, 'the stored token works');
    } finally {
      client.close();
    }
  });

  it('refuses a bad refresh token with a clear message and writes nothing', async () => {
    const { home, defaultFile } = freshHome();
    const run = await pdsfs(['login', '--endpoint', emu.account.endpoint, '--refresh-token', 'not-a-token', '--client-id', emu.account.client_id], home);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /refused the credentials/);
    assert.match(run.stderr, /Nothing was saved/);
    assert.ok(!run.stderr.includes('not-a-token'));
    assert.equal(fs.existsSync(defaultFile), false);
  });

  it('logout removes the account and keeps the other settings', async () => {
    const { home, defaultFile } = freshHome();
    writeJson(defaultFile, { 'cache-dir': '/keep/me', share: ['s1'] });
    const { endpoint, refresh_token, client_id, client_secret } = emu.emu.devAccount();
    const login = await pdsfs(['login', '--endpoint', endpoint, '--refresh-token', refresh_token, '--client-id', client_id, '--client-secret', client_secret], home);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(JSON.parse(fs.readFileSync(defaultFile, 'utf8'))['cache-dir'], '/keep/me', 'login keeps other settings');

    const run = await pdsfs(['logout'], home);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(defaultFile, 'utf8')), { 'cache-dir': '/keep/me', share: ['s1'] });
    assert.equal(modeOf(defaultFile), 0o600);
    assert.match((await pdsfs(['logout'], home)).stdout, /No credentials stored/);
  });

  it('logs in as a JWT application, storing the key path and never the key', async () => {
    const { home, defaultFile } = freshHome();
    const keyFile = path.join(home, 'app.pem');
    fs.writeFileSync(keyFile, keys.privateKey, { mode: 0o600 });
    const { endpoint, client_id, user_id, domain_id } = emu.account;
    const run = await pdsfs(['login', '--endpoint', endpoint, '--client-id', client_id, '--private-key', keyFile, '--user-id', user_id, '--domain-id', domain_id], home);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`user ${user_id}`));
    const text = fs.readFileSync(defaultFile, 'utf8');
    assert.ok(!text.includes('PRIVATE KEY'));
    assert.deepEqual(JSON.parse(text), { endpoint, jwt: { 'client-id': client_id, 'private-key-path': keyFile, 'user-id': user_id, 'domain-id': domain_id } });
    assert.equal(modeOf(defaultFile), 0o600);

    const wrongUser = await pdsfs(['login', '--endpoint', endpoint, '--client-id', client_id, '--private-key', keyFile, '--user-id', 'nobody', '--domain-id', domain_id], freshHome().home);
    assert.notEqual(wrongUser.code, 0);
    assert.match(wrongUser.stderr, /refused the credentials/);
  });

  it('without --endpoint explains that serve and mount need no login', async () => {
    const { home, defaultFile } = freshHome();
    const run = await pdsfs(['login', '--refresh-token', 'x', '--client-id', 'y'], home);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /embedded local PDS server/);
    assert.equal(fs.existsSync(defaultFile), false);
  });
});
