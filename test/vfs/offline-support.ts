// Offline tests: a local PDS server that can be stopped and started again on the same port and data
// dir (what a laptop losing its network looks like to pdsfs: connections refused), a side door to
// change the server's tree while pdsfs cannot reach it (the same data dir served on another port),
// and tree snapshots of the server and of a local reference folder, to compare.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DevAccount, Emulator } from '../../src/emulator/index.js';
import { pds } from '../helpers/emulator.js';

export interface StoppableServer {
  /** The endpoint pdsfs uses (fixed port). */
  readonly endpoint: string;
  readonly emu: Emulator | undefined;
  readonly token: string;
  readonly driveId: string;
  readonly account: DevAccount;
  readonly dataDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** While stopped: serves the same data on another port for `fn` (changes "made by someone else"). */
  elsewhere<T>(fn: (endpoint: string) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function stoppableServer(): Promise<StoppableServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-offline-emu-'));
  let emu: Emulator | undefined = await Emulator.start({ dataDir, port: 0 });
  const endpoint = emu.endpoint;
  const port = Number(new URL(endpoint).port);
  const account = emu.devAccount();
  return {
    endpoint,
    get emu() {
      return emu;
    },
    /** A fresh access token while the server runs (a daemon's refresh may retire older ones). */
    get token() {
      return emu ? emu.devAccount().access_token : account.access_token;
    },
    driveId: account.drive_id,
    account,
    dataDir,
    async stop() {
      await emu?.close();
      emu = undefined;
    },
    async start() {
      emu ??= await Emulator.start({ dataDir, port });
    },
    async elsewhere(fn) {
      if (emu) throw new Error('the server is running');
      const side = await Emulator.start({ dataDir, port: 0 });
      try {
        return await fn(side.endpoint);
      } finally {
        await side.close();
      }
    },
    async close() {
      await emu?.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type Tree = Record<string, string>;

const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex').toUpperCase();

/** The server's tree below a folder: path → "dir" or the content's sha1. */
export async function serverTree(endpoint: string, token: string, driveId: string, parentId = 'root', prefix = ''): Promise<Tree> {
  const out: Tree = {};
  const list = await pds(endpoint, token, 'file/list', { drive_id: driveId, parent_file_id: parentId, limit: 100, fields: '*' });
  if (list.status !== 200) throw new Error(`file/list answered ${list.status}`);
  for (const f of (list.body as { items: { file_id: string; name: string; type: string; content_hash?: string }[] }).items) {
    const p = `${prefix}/${f.name}`;
    if (f.type === 'folder') {
      out[p] = 'dir';
      Object.assign(out, await serverTree(endpoint, token, driveId, f.file_id, p));
    } else {
      out[p] = (f.content_hash ?? '').toUpperCase();
    }
  }
  return out;
}

/** A local folder's tree in the same form. */
export async function localTree(root: string, prefix = ''): Promise<Tree> {
  const out: Tree = {};
  for (const d of await fs.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const p = `${prefix}/${d.name}`;
    if (d.isDirectory()) {
      out[p] = 'dir';
      Object.assign(out, await localTree(root, p));
    } else {
      out[p] = sha1(await fs.readFile(path.join(root, p)));
    }
  }
  return out;
}

export function sorted(t: Tree): Tree {
  return Object.fromEntries(Object.entries(t).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Makes a folder or file on the server directly (the tree pdsfs finds there); returns its id. */
export async function serverPut(endpoint: string, token: string, driveId: string, parentId: string, name: string, content?: string, fileId?: string): Promise<string> {
  if (content === undefined) {
    const r = await pds(endpoint, token, 'file/create', { drive_id: driveId, parent_file_id: parentId, name, type: 'folder', check_name_mode: 'refuse' });
    if (r.status >= 300) throw new Error(`create folder ${name}: ${r.status}`);
    return (r.body as { file_id: string }).file_id;
  }
  const data = Buffer.from(content);
  const created = await pds(endpoint, token, 'file/create', {
    drive_id: driveId, parent_file_id: parentId, name, type: 'file', size: data.length, part_info_list: [{ part_number: 1 }],
    ...(fileId ? { file_id: fileId } : { check_name_mode: 'refuse' }),
  });
  if (created.status >= 300) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  const { file_id, upload_id, part_info_list, rapid_upload, exist } = created.body as {
    file_id: string; upload_id: string; part_info_list: { upload_url: string }[]; rapid_upload?: boolean; exist?: boolean;
  };
  if (exist) throw new Error(`${name} exists`);
  if (rapid_upload) return file_id;
  const put = await fetch(part_info_list[0]!.upload_url, { method: 'PUT', body: data });
  if (!put.ok) throw new Error(`part of ${name}: ${put.status}`);
  const done = await pds(endpoint, token, 'file/complete', { drive_id: driveId, file_id, upload_id });
  if (done.status >= 300) throw new Error(`complete ${name}: ${done.status}`);
  return file_id;
}

export { sha1 };
