// The shared VFS scenario table through WebDAV, twice: with the npm `webdav` client library and
// with curl (whose uploads from stdin are chunked, like Finder's).
import { execFile } from 'node:child_process';
import { createClient, type FileStat, type WebDAVClient } from 'webdav';
import { defineScenarioTests, type ScenarioOps } from '../contract/vfs-scenarios.js';
import { PASSWORD, serve, USER } from './harness.js';

/** HTTP status → the VfsCode-like name the table expects. */
function codeOfStatus(status: number | undefined): string | undefined {
  return { 404: 'ENOENT', 405: 'EEXIST', 409: 'ENOENT', 412: 'EEXIST', 423: 'EBUSY', 403: 'EACCES' }[status ?? 0];
}

class HttpStatusError extends Error {
  constructor(readonly status: number, what: string) {
    super(`${what}: HTTP ${status}`);
  }
}

defineScenarioTests('WebDAV (webdav client library)', async () => {
  const served = await serve();
  const client: WebDAVClient = createClient(served.url, { username: USER, password: PASSWORD });
  const root = `${served.drivePath}/scenarios-client`;
  await client.createDirectory(root);
  const ops: ScenarioOps = {
    root,
    write: async (p, data) => void (await client.putFileContents(p, data, { overwrite: true })),
    read: async (p) => Buffer.from((await client.getFileContents(p)) as ArrayBuffer),
    mkdir: (p) => client.createDirectory(p),
    rmdir: (p) => client.deleteFile(p),
    unlink: (p) => client.deleteFile(p),
    rename: (from, to) => client.moveFile(from, to),
    stat: async (p) => {
      const s = (await client.stat(p)) as FileStat;
      return { kind: s.type === 'directory' ? 'dir' : 'file', size: s.size, mtime: Date.parse(s.lastmod) };
    },
    readdir: async (p) => ((await client.getDirectoryContents(p)) as FileStat[]).map((s) => s.basename).sort(),
    errorCode: (err) => codeOfStatus((err as { status?: number }).status),
    capabilities: { rmdirNonEmptyFails: false },
  };
  return { ops, close: () => served.close() };
});

defineScenarioTests('WebDAV (curl)', async () => {
  const served = await serve();
  const base = served.url.replace(/\/$/, '');
  const curl = (args: string[], input?: Buffer) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const child = execFile('curl', ['-sS', '-u', `${USER}:${PASSWORD}`, '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout) => {
        if (err) return reject(err);
        const cut = stdout.lastIndexOf(0x0a);
        resolve({ status: Number(stdout.subarray(cut + 1).toString()), body: stdout.subarray(0, cut) });
      });
      child.stdin!.end(input);
    });
  const url = (p: string) => base + served.href(p);
  const ok = async (what: string, args: string[], input?: Buffer) => {
    const r = await curl(args, input);
    if (r.status >= 300) throw new HttpStatusError(r.status, what);
    return r;
  };
  const propfind = async (p: string, depth: string) =>
    (await ok('PROPFIND', ['-X', 'PROPFIND', '-H', `Depth: ${depth}`, url(p)])).body.toString('utf8');
  const responses = (xml: string) => [...xml.matchAll(/<D:response>([\s\S]*?)<\/D:response>/g)].map((m) => m[1]!);
  const root = `${served.drivePath}/scenarios-curl`;
  await ok('MKCOL', ['-X', 'MKCOL', url(root)]);
  const ops: ScenarioOps = {
    root,
    // "-T -" streams stdin with Transfer-Encoding: chunked and no Content-Length.
    write: async (p, data) => void (await ok('PUT', ['-T', '-', url(p)], data)),
    read: async (p) => (await ok('GET', [url(p)])).body,
    mkdir: async (p) => void (await ok('MKCOL', ['-X', 'MKCOL', url(p)])),
    rmdir: async (p) => void (await ok('DELETE', ['-X', 'DELETE', url(p)])),
    unlink: async (p) => void (await ok('DELETE', ['-X', 'DELETE', url(p)])),
    rename: async (from, to) => void (await ok('MOVE', ['-X', 'MOVE', '-H', `Destination: ${url(to)}`, url(from)])),
    stat: async (p) => {
      const r = responses(await propfind(p, '0'))[0]!;
      const size = Number(/<D:getcontentlength>(\d+)</.exec(r)?.[1] ?? 0);
      const mtime = Date.parse(/<D:getlastmodified>([^<]+)</.exec(r)?.[1] ?? '');
      return { kind: r.includes('<D:collection/>') ? 'dir' : 'file', size, mtime };
    },
    readdir: async (p) => {
      const names = responses(await propfind(p, '1')).map((r) => decodeURIComponent(/<D:href>([^<]+)</.exec(r)![1]!.replace(/\/$/, '').split('/').pop()!));
      return names.slice(1).sort();
    },
    errorCode: (err) => (err instanceof HttpStatusError ? codeOfStatus(err.status) : undefined),
    capabilities: { rmdirNonEmptyFails: false },
  };
  return { ops, close: () => served.close() };
});
