// Shared steps of the emulator tests: whole-file uploads over the real upload protocol, a data folder of a test's own, a local server in a process of its own to kill.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pdsfsArgs } from '../helpers/cli.js';
import { pds, type StartedEmulator } from '../helpers/emulator.js';

export function sha1Hex(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex').toUpperCase();
}

/** A Buffer as a fetch body (fetch's types want a plain Uint8Array). */
export function bytes(data: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(data);
}

export interface UploadOptions {
  driveId?: string;
  partSize?: number;
  checkNameMode?: string;
  /** Overwrite this file instead of creating one. */
  fileId?: string;
  extra?: Record<string, unknown>;
}

/** create → PUT each part in order → complete; returns the completed File object. */
export async function uploadFile(e: StartedEmulator, parentId: string, name: string, data: Buffer, opts: UploadOptions = {}): Promise<any> {
  const token = e.account.access_token;
  const partSize = opts.partSize ?? Math.max(1, data.length);
  const parts = Math.max(1, Math.ceil(data.length / partSize));
  const created = await pds(e.endpoint, token, 'file/create', {
    drive_id: opts.driveId ?? e.account.drive_id, parent_file_id: parentId, name, type: 'file', size: data.length,
    part_info_list: Array.from({ length: parts }, (_, i) => ({ part_number: i + 1 })),
    ...(opts.checkNameMode ? { check_name_mode: opts.checkNameMode } : {}),
    ...(opts.fileId ? { file_id: opts.fileId } : {}),
    ...opts.extra,
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  if (created.body.rapid_upload || created.body.exist) return created.body;
  for (let i = 0; i < parts; i++) {
    const res = await fetch(created.body.part_info_list[i].upload_url, { method: 'PUT', body: bytes(data.subarray(i * partSize, (i + 1) * partSize)) });
    if (res.status !== 200) throw new Error(`PUT part ${i + 1} failed: ${res.status} ${await res.text()}`);
  }
  const done = await pds(e.endpoint, token, 'file/complete', { drive_id: opts.driveId ?? e.account.drive_id, file_id: created.body.file_id, upload_id: created.body.upload_id });
  if (done.status !== 200) throw new Error(`complete failed: ${done.status} ${JSON.stringify(done.body)}`);
  return done.body;
}

export async function mkdir(e: StartedEmulator, parentId: string, name: string, driveId = e.account.drive_id): Promise<string> {
  const r = await pds(e.endpoint, e.account.access_token, 'file/create', { drive_id: driveId, parent_file_id: parentId, name, type: 'folder', check_name_mode: 'refuse' });
  if (r.status !== 201) throw new Error(`mkdir failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.file_id;
}

/** Fetches a file's bytes through a fresh download URL. */
export async function readFile(e: StartedEmulator, fileId: string, driveId = e.account.drive_id): Promise<Buffer> {
  const u = await pds(e.endpoint, e.account.access_token, 'file/get_download_url', { drive_id: driveId, file_id: fileId });
  if (u.status !== 200) throw new Error(`get_download_url failed: ${u.status} ${JSON.stringify(u.body)}`);
  const res = await fetch(u.body.url);
  return Buffer.from(await res.arrayBuffer());
}

/** A new folder, removed once the test ends. */
export async function tempDir(t: { after: (fn: () => Promise<void>) => void }, prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `pdsfs emulator` in a child process on `dataDir`, its account read from its first line; kill9() ends it as a crash would. */
export async function emulatorProcess(t: { after: (fn: () => void) => void }, dataDir: string): Promise<{ started: StartedEmulator; kill9(): Promise<void> }> {
  const child = spawn(process.execPath, pdsfsArgs('emulator', '--port', '0', '--json', '--data-dir', dataDir), { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const account = JSON.parse(await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve)));
  return {
    started: { endpoint: account.endpoint, account } as StartedEmulator,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
