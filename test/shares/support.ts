// Share test helpers: drive content made through the PDS client, share links over it, a logger
// whose lines the tests can read, and the vfs calls the share tests repeat.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { PdsClient } from '../../src/pds/client.js';
import type { CreateShareLinkRequest } from '../../src/pds/api-shares.js';
import { bufferSource } from '../../src/pds/upload-source.js';
import type { PdsShareLink } from '../../src/pds/wire-types.js';
import type { Logger } from '../../src/shared/logger.js';
import { VfsError, type VfsCode } from '../../src/core/errors.js';

export const MY_DRIVE = '/drives/My Drive';

export async function mkdir(client: PdsClient, driveId: string, parentId: string, name: string): Promise<string> {
  const r = await client.uploads.create({ drive_id: driveId, parent_file_id: parentId, name, type: 'folder', check_name_mode: 'refuse' });
  return r.file_id;
}

export async function upload(client: PdsClient, driveId: string, parentId: string, name: string, data: Buffer): Promise<string> {
  const f = await client.uploader.upload({ scope: { drive_id: driveId }, parentId, name, source: bufferSource(data) });
  return f.file_id;
}

/** `count` folders e000, e001, ... under parentId, a few at a time. */
export async function manyFolders(client: PdsClient, driveId: string, parentId: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `e${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 20) {
    await Promise.all(names.slice(i, i + 20).map((n) => mkdir(client, driveId, parentId, n)));
  }
  return names;
}

export function share(client: PdsClient, driveId: string, ids: string[], extra: Omit<CreateShareLinkRequest, 'drive_id' | 'file_id_list'> = {}): Promise<PdsShareLink> {
  return client.shareLinks.create({ drive_id: driveId, file_id_list: ids, ...extra });
}

/** A logger whose records (parsed) are kept in `lines`. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

export async function rejectsWith(p: Promise<unknown>, code: VfsCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(VfsError.is(err), `expected a VfsError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

export function sleepUntil(epochMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));
}
