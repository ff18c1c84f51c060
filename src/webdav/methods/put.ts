// PUT: the body streams (with backpressure, in ~1 MiB writes) into a hidden staging name in the
// target's folder; only a complete body, whose length matches Content-Length or Finder's
// X-Expected-Entity-Length, is committed and renamed over the target. An aborted or short body is
// removed before write-back ever sees it, so a truncated upload can never replace a file. Chunked
// bodies without any length are accepted. Finder's .DS_Store and ._* files go to the local store.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FileHandle } from '../../vfs/types.js';
import { evaluateConditionals } from '../conditional.js';
import { assertWritable, type DavHandler, type DavRequest, type DavServices, headerOf, readBody } from '../dav-method.js';
import { HttpError } from '../http-error.js';
import { DavErrors, toDavError } from '../error-map.js';
import { isSidecarName, isVirtualName, MAX_SIDECAR_BYTES } from '../finder-files.js';
import { checkPreconditions } from '../lock-guard.js';
import { baseName, joinPath, parentOf } from '../request-path.js';
import { quotedEtag } from '../resources.js';

/** Body bytes read and dropped after a failed write before the connection is cut instead. */
const MAX_DISCARD = 64 * 1024 * 1024;
const WRITE_BATCH = 1024 * 1024;
/** Batches written or waiting to be, at most, before the body is paused: one written while the next arrives. */
const WRITES_QUEUED = 2;

export const put: DavHandler = async (r, s) => {
  assertWritable(s);
  if (r.trailingSlash) throw DavErrors.IsCollection;
  if (headerOf(r.req, 'content-range') !== undefined) throw new HttpError(400, 'partial PUT (Content-Range) is not supported');
  const name = baseName(r.path);
  if (isVirtualName(name) || r.path === '/') throw new HttpError(403, 'this name is reserved');
  const existing = await s.resources.requested(r.ctx, r.path);
  if (existing?.isDir) throw DavErrors.IsCollection;
  if (evaluateConditionals(r.req, existing, false) === 412) throw new HttpError(412, 'precondition failed');
  const creating = !existing || existing.source === 'placeholder';
  await checkPreconditions(r, s, { resources: [{ path: r.path, deep: false }], members: creating ? [parentOf(r.path)] : [] });
  const expected = expectedLength(r.req);
  const mtime = ocMtime(r);

  if (isSidecarName(name)) await putLocal(r, s, expected, mtime);
  else await putVfs(r, s, expected, mtime);

  const placeholder = s.locks.placeholderAt(r.path);
  if (placeholder) placeholder.placeholder = false;
  const now = await s.resources.stat(r.path);
  const etag = now && quotedEtag(now);
  if (etag) r.res.setHeader('ETag', etag);
  r.res.statusCode = creating ? 201 : 204;
  r.res.end();
};

async function putVfs(r: DavRequest, s: DavServices, expected: number | undefined, mtime: number | undefined): Promise<void> {
  const staging = joinPath(parentOf(r.path), `.pdsfs-put-${randomUUID().slice(0, 8)}.tmp`);
  let handle: FileHandle;
  try {
    handle = await s.vfs.open(staging, { read: false, write: true, create: true, exclusive: true });
  } catch (err) {
    throw toDavError(err, { creating: true });
  }
  let committed = false;
  try {
    const received = await receive(r.req, handle);
    if (expected !== undefined && received !== expected) {
      // Finder reports these as error -36; make them easy to find in the log.
      s.logger.warn({ path: r.path, received, expected }, 'PUT body length differs from the announced length; not committed');
      throw new HttpError(400, `body has ${received} bytes, ${expected} announced`);
    }
    // Renamed while still open for writing, so write-back cannot start uploading the staging name.
    await s.vfs.rename(staging, r.path, { overwrite: true });
    committed = true;
    await handle.release();
  } finally {
    if (!committed) {
      // Free the staged bytes first: on a full disk, the removal's own metadata write needs that room.
      await handle.truncate(0).catch(() => undefined);
      // Unlink before the last close, so the staged bytes are dropped rather than queued for upload.
      await s.vfs.remove(staging).catch(() => undefined);
      await handle.release().catch(() => undefined);
    }
  }
  if (mtime !== undefined) await s.vfs.setMtime(r.path, mtime);
}

async function putLocal(r: DavRequest, s: DavServices, expected: number | undefined, mtime: number | undefined): Promise<void> {
  const parent = await s.resources.stat(parentOf(r.path));
  if (!parent?.isDir) throw new HttpError(409, 'the parent collection does not exist');
  const body = await readBody(r.req, MAX_SIDECAR_BYTES);
  if (expected !== undefined && body.length !== expected) throw new HttpError(400, `body has ${body.length} bytes, ${expected} announced`);
  s.store.putSidecar(r.path, body, mtime ?? Date.now());
}

/**
 * Streams the body into the handle; returns the byte count. When a write fails (a full disk), the
 * rest of the body is read and dropped (up to MAX_DISCARD), so the client reads the error answer
 * instead of a connection reset in the middle of its upload.
 */
function receive(req: IncomingMessage, handle: FileHandle): Promise<number> {
  let position = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  /** The batch gathered so far, as one buffer. */
  const take = (): Buffer => {
    const buf = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
    batch = [];
    batchBytes = 0;
    return buf;
  };
  const write = async (buf: Buffer) => {
    for (let off = 0; off < buf.length; ) {
      const n = await handle.write(buf.subarray(off), position, buf.length - off);
      if (n <= 0) throw new Error('write made no progress');
      off += n;
      position += n;
    }
  };
  return new Promise<number>((resolve, reject) => {
    let failed = false;
    let dropped = 0;
    const fail = (err: unknown) => {
      failed = true;
      batch = [];
      req.resume();
      reject(err);
    };
    // Writes run one after another, and the body keeps coming while one runs (the socket's reads
    // overlap the staging file's writes and their hashing); it pauses once a second batch waits.
    let writing: Promise<void> = Promise.resolve();
    let queued = 0;
    req.on('data', (chunk: Buffer) => {
      if (failed) {
        dropped += chunk.length;
        if (dropped > MAX_DISCARD) req.socket.destroy();
        return;
      }
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes < WRITE_BATCH) return;
      const buf = take();
      if (++queued >= WRITES_QUEUED) req.pause();
      writing = writing.then(() => write(buf)).then(() => {
        if (--queued < WRITES_QUEUED && !failed) req.resume();
      });
      writing.catch(fail);
    });
    req.once('end', () => {
      if (failed) return;
      writing = writing.then(() => (batchBytes > 0 ? write(take()) : undefined));
      writing.then(() => resolve(position), fail);
    });
    req.once('error', fail);
    req.once('aborted', () => fail(new Error('the client aborted the upload')));
  });
}

/** Content-Length when given, else Finder's X-Expected-Entity-Length; undefined for a bare chunked body. */
function expectedLength(req: IncomingMessage): number | undefined {
  for (const name of ['content-length', 'x-expected-entity-length']) {
    const v = headerOf(req, name);
    if (v !== undefined && /^\d+$/.test(v.trim())) return Number(v);
  }
  return undefined;
}

/** rclone/Nextcloud clients send the source mtime as X-OC-Mtime (epoch seconds). */
function ocMtime(r: DavRequest): number | undefined {
  const v = headerOf(r.req, 'x-oc-mtime');
  if (v === undefined || !/^\d+(\.\d+)?$/.test(v.trim())) return undefined;
  r.res.setHeader('X-OC-MTime', 'accepted');
  return Math.round(Number(v) * 1000);
}
