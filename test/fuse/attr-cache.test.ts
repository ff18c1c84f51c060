// The binding's attribute cache (native-binding.ts): the getattr libfuse 2 sends after an op, and the
// lookups after a readdir, are answered in C from attributes JS handed over, and what they answer is
// never older than a change made through the mount. Counted through the status the daemon reports
// (getattrs reaching JS, getattrs the binding answered), never timed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type FuseFixture, fuseRequests, startFixture } from './fixture.js';
import { fuseUnavailable } from './harness.js';

const run = promisify(execFile);
const FILES = 20;

describe('FUSE attribute cache in the binding', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx?.close());

  async function counts(): Promise<{ js: number; binding: number; enoent: number }> {
    const fuse = await fuseRequests(fx);
    return { js: fuse.byJs.getattr ?? 0, binding: fuse.getattrInBinding, enoent: fuse.enoentInBinding };
  }

  test('the getattr after create, write, chmod, utimens, mkdir and rename does not reach JS', async () => {
    const before = await counts();
    // A shell of its own: the local server answers from this process, which must not block.
    const script = `
      set -e
      mkdir "$1/made"
      chmod 0750 "$1/made"
      for i in $(seq 1 ${FILES}); do
        printf 'content %s' "$i" > "$1/made/f$i"
        chmod 0640 "$1/made/f$i"
        touch -m -d @1700000000 "$1/made/f$i"
        mv "$1/made/f$i" "$1/made/g$i"
      done`;
    await run('sh', ['-c', script, 'sh', fx.mnt]);
    const now = await counts();
    const js = now.js - before.js;
    const inBinding = now.binding - before.binding;
    // Per file, six getattrs follow create, the close after writing (file and folder), chmod,
    // utimens and rename (the folder); only the lookups of names that do not exist yet need JS:
    // printf's, and mv's two (the kernel asks again for a rename target it was told is missing).
    assert.ok(inBinding >= 5 * FILES, `getattrs answered in the binding: ${inBinding}`);
    assert.ok(js <= 3 * FILES + 5, `getattrs that reached JS: ${js}`);

    const st = await fs.stat(`${fx.mnt}/made/g${FILES}`);
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(st.mtimeMs, 1_700_000_000_000);
    assert.equal(st.size, `content ${FILES}`.length);
    assert.equal((await fs.stat(`${fx.mnt}/made`)).mode & 0o777, 0o750);
  });

  test('rsync: the getattr after a file\'s utimens is answered in the binding, though the file\'s release runs beside it', async (t) => {
    const src = await fs.mkdtemp('/tmp/pdsfs-attr-rsync-');
    t.after(() => fs.rm(src, { recursive: true, force: true }));
    for (let i = 0; i < FILES; i++) await fs.writeFile(`${src}/f${i}`, `content ${i}`);
    const before = await counts();
    await run('rsync', ['-a', `${src}/`, `${fx.mnt}/synced/`]);
    const js = (await counts()).js - before.js;
    // The kernel sends a written file's release after close(2) returned, so it reaches JS while rsync
    // sets the file's times; a release that changes nothing (its flush committed the file) no longer
    // retires what utimens handed over. Left for JS: the folder's own lookups (a few).
    assert.ok(js <= 5, `getattrs that reached JS: ${js}`);
    assert.equal((await fs.readdir(`${fx.mnt}/synced`)).length, FILES);
  });

  test('what it answers follows every change made through the mount', async () => {
    const f = `${fx.mnt}/changing.txt`;
    await run('sh', ['-c', `
      set -e
      printf 'one' > "$1"
      stat -c %s "$1"
      printf 'three' >> "$1"
      stat -c %s "$1"
      chmod 0600 "$1"
      stat -c %a "$1"
      truncate -s 2 "$1"
      stat -c %s "$1"
      exec 3>>"$1"
      printf 'abc' >&3
      stat -c %s "$1"
      exec 3>&-
      touch -m -d @1600000000 "$1"
      stat -c %Y "$1"
      mkdir "$1.d" "$1.d/inner"
      printf 'x' > "$1.d/inner/leaf"
      mv "$1.d" "$1.moved"
      stat -c %s "$1.moved/inner/leaf"
      ! stat "$1.d/inner/leaf" 2>/dev/null
      mkdir "$1.d"
      ! stat "$1.d/inner" 2>/dev/null
      echo ok`, 'sh', f]).then(({ stdout }) => assert.deepEqual(stdout.trim().split('\n'), ['3', '8', '600', '2', '5', '1600000000', '1', 'ok']));
  });

  test('a folder made through the mount answers the lookups of names it lacks in the binding, and shows every name made in it', async () => {
    const before = await counts();
    // Names the folder gains through the mount: create, rename within and into it, mkdir, symlink,
    // a name removed and made again, a folder moved over an empty one it held, and names that match
    // another spelling (NFD of an NFC name; the Kelvin sign, whose NFC form is K), which it must
    // leave to JS. Then the kernel forgets its entries (drop_caches 2: dentries and inodes only), so
    // every name is looked up again while the binding still holds the folder's names.
    const script = `
      set -e
      d="$1/fresh"
      mkdir "$d" "$d/other"
      for i in $(seq 1 ${FILES}); do ! stat "$d/missing$i" 2>/dev/null; done
      printf 'a' > "$d/made"
      mv "$d/made" "$d/renamed"
      printf 'bb' > "$d/other/away"
      mv "$d/other/away" "$d/arrived"
      mkdir "$d/sub"
      ln -s renamed "$d/link"
      rm "$d/renamed"
      printf 'ccc' > "$d/renamed"
      mkdir "$d/A" "$d/B"
      printf 'dddd' > "$d/B/x"
      mv -T "$d/B" "$d/A"
      mkdir "$d/nfc" "$d/kelvin"
      printf 'eeeee' > "$d/nfc/$(printf 'caf\\303\\251')"
      printf 'ffffff' > "$d/kelvin/$(printf '\\342\\204\\252')"
      echo 2 > /proc/sys/vm/drop_caches
      stat -c %s "$d/arrived" "$d/renamed" "$d/A/x" "$d/nfc/$(printf 'cafe\\314\\201')" "$d/kelvin/K"
      stat -c %F "$d/sub" "$d/link"
      ! stat "$d/made" 2>/dev/null
      ! stat "$d/other/away" 2>/dev/null
      ! stat "$d/B" 2>/dev/null
      echo ok`;
    const { stdout } = await run('sh', ['-c', script, 'sh', fx.mnt]);
    assert.deepEqual(stdout.trim().split('\n'), ['2', '3', '4', '5', '6', 'directory', 'symbolic link', 'ok']);
    const now = await counts();
    assert.ok(now.enoent - before.enoent >= FILES, `lookups answered ENOENT in the binding: ${now.enoent - before.enoent}`);
  });

  test('the folders of a tree made through the mount all keep their names', async () => {
    // As rsync does: every folder first (within the names' lifetime in the binding, LISTING_TTL_SEC),
    // then the names each lacks (its temporary and final names). With fewer slots than folders'
    // names kept, some folders lose theirs to another and their lookups go to JS.
    await run('sh', ['-c', 'mkdir -p $(for t in $(seq 0 9); do for s in $(seq 0 9); do echo "$1/tree/top-$t/sub-$s"; done; done)', 'sh', fx.mnt]);
    const before = await counts();
    // One stat process for all 100 names, so that even a loaded machine asks within the names' lifetime.
    await run('sh', ['-c', '! stat $(for t in $(seq 0 9); do for s in $(seq 0 9); do echo "$1/tree/top-$t/sub-$s/file"; done; done) 2>/dev/null', 'sh', fx.mnt]);
    const now = await counts();
    assert.equal(now.enoent - before.enoent, 100, 'lookups answered ENOENT in the binding');
  });

  test('the lookups ls -l makes after a readdir are answered from what the readdir handed over', async () => {
    await run('sh', ['-c', `mkdir "$1/listed" && for i in $(seq 1 50); do printf 'x%s' "$i" > "$1/listed/e$i"; done`, 'sh', fx.mnt]);
    // A new mount process: the kernel has forgotten every entry.
    await fx.remount();
    await run('ls', ['-l', fx.mnt]);
    const before = await counts();
    const { stdout } = await run('ls', ['-ln', `${fx.mnt}/listed`]);
    const now = await counts();
    assert.equal(stdout.trim().split('\n').length, 51); // "total" and 50 entries
    assert.match(stdout, /-rw-r--r-- +1 +\d+ +\d+ +3 .* e10\n/);
    assert.ok(now.binding - before.binding >= 50, `lookups answered in the binding: ${now.binding - before.binding}`);
    assert.ok(now.js - before.js <= 3, `getattrs that reached JS: ${now.js - before.js}`);
  });

  test('a chmod to the mode a file already has is answered in the binding; one that changes it, or on a file without write bits, reaches JS', async () => {
    const f = `${fx.mnt}/same-mode.txt`;
    const chmods = async () => {
      const fuse = await fuseRequests(fx);
      return { js: fuse.byJs.chmod ?? 0, binding: fuse.chmodInBinding };
    };
    await fs.writeFile(f, 'x', { mode: 0o600 });
    await fs.chmod(f, 0o600); // what the file was made with, as rsync's fchmod after its create
    const before = await chmods();
    // Each chmod in a process of its own, while the attributes the previous op handed over are valid.
    await run('sh', ['-c', 'chmod 0600 "$1" && chmod 0600 "$1" && chmod 0640 "$1" && chmod 0640 "$1" && stat -c %a "$1" && chmod 0444 "$1" && chmod 0444 "$1" && stat -c %a "$1"', 'sh', f])
      .then(({ stdout }) => assert.deepEqual(stdout.trim().split('\n'), ['640', '444']));
    const now = await chmods();
    const inBinding = now.binding - before.binding;
    const js = now.js - before.js;
    // 0600 twice and the second 0640 go to the binding while the attributes handed over last are
    // valid (2 s: on a slow machine one may miss them and reach JS); the first 0640 and both 0444s
    // (no write bit shown: a read-only node's look, so JS decides) always reach JS.
    assert.equal(inBinding + js, 6, `every chmod answered once: ${inBinding} in the binding, ${js} by JS`);
    assert.ok(inBinding >= 1 && js >= 3, `chmods answered in the binding: ${inBinding}, by JS: ${js}`);
    assert.equal((await fs.stat(f)).mode & 0o777, 0o444);
  });

  test('a folder whose names fit one kernel buffer is one readdir in JS: the binding answers the end of its listing', async () => {
    // tree/ holds 10 folders of 10 (the test above): 111 folders with ls -R, each listed whole at once.
    const readdirs = async () => (await fuseRequests(fx)).byJs.readdir ?? 0;
    const before = await readdirs();
    const { stdout } = await run('ls', ['-R', `${fx.mnt}/tree`]);
    assert.equal((await readdirs()) - before, 111, 'one readdir reaching JS per folder (two without the binding\'s end of listing)');
    assert.equal(stdout.split('\n').filter((l) => l.startsWith('sub-')).length, 100, 'every name listed');
    // The same again: a listing that ended in the binding starts over from offset 0 in JS.
    await run('ls', ['-R', `${fx.mnt}/tree`]);
    assert.equal((await readdirs()) - before, 222);
  });
});
