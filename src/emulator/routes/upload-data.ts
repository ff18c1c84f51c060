// PUT <upload_url>: stores one part of an upload session. A small part (a small file's whole
// content, the common case) is read into memory and stored in one synchronous step with its row
// (in SQLite when it is small enough, see BlobStore); a larger one is streamed to disk (never held
// in memory) and renamed into place.
// OSS rules: parts arrive in order unless the session is parallel; a part already stored answers
// 409; a Content-Type that was not signed answers 403 SignatureDoesNotMatch.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readLimitedBody } from '../../shared/read-body.js';
import type { EmulatorContext } from '../context.js';
import { OssError } from '../errors.js';
import type { ConnectionThrottle } from '../throttle.js';
import { ContentHasher, type ContentHashes } from '../store/blobs.js';

const MAX_PART = 10_000;
/**
 * Parts up to this size are held in memory while they arrive: writing one with a single
 * synchronous call costs a fraction of a file stream's asynchronous open, writes, close and rename.
 */
const SMALL_PART_BYTES = 256 * 1024;

interface ReceivedPart {
  size: number;
  etag: string;
  /** Set when the part holds the whole file (complete then reads nothing back). */
  hashes: ContentHashes | undefined;
}

/**
 * `throttle` paces the body at the connection's bandwidth when one is set. `fault`: 'drop' cuts the
 * body off; 'lose' stores the part and sends no answer (the caller answers in its place).
 */
export async function handlePartPut(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL, throttle: ConnectionThrottle, fault: 'drop' | 'lose' | undefined): Promise<void> {
  ctx.signer.verify('PUT', url);
  const m = /^\/data\/upload\/([0-9A-F]{32})\/(\d{1,5})$/.exec(url.pathname);
  const partNumber = Number(m?.[2]);
  if (!m || partNumber < 1 || partNumber > MAX_PART) throw new OssError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000.');
  const uploadId = m[1] as string;
  const session = ctx.uploads.get(uploadId);
  if (!session) throw new OssError(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
  const contentType = req.headers['content-type'];
  if (contentType) {
    throw new OssError(403, 'SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided. Content-Type "${contentType}" was not signed; send no Content-Type.`);
  }
  if (ctx.uploads.part(uploadId, partNumber)) throw partExists(partNumber);
  if (!session.parallel && partNumber > 1 && ctx.uploads.countBelow(uploadId, partNumber) !== partNumber - 1) {
    throw new OssError(400, 'PartNotSequential', `Part ${partNumber} arrived before the parts preceding it; this upload is sequential.`);
  }
  if (fault === 'drop') return cutBody(req);

  const room = session.size - ctx.uploads.storedBytes(uploadId);
  const length = Number(req.headers['content-length'] ?? -1);
  if (length > room) throw tooLarge(session.size);
  // A whole file in one part is SHA-1 hashed as it arrives, so file/complete need not read it back.
  const whole = partNumber === 1 && length === session.size;
  let stored: 'ok' | 'gone' | 'exists';
  let etag: string;
  if (length >= 0 && length <= SMALL_PART_BYTES && !throttle.active) {
    const body = await readLimitedBody(req, room, () => tooLarge(session.size));
    ctx.stats.bytesUploaded += body.length;
    const part = { size: body.length, etag: md5Hex(body), hashes: whole ? wholeHashes(body) : undefined };
    etag = part.etag;
    stored = commitPart(ctx, uploadId, partNumber, part, () => ctx.blobs.storePart(uploadId, partNumber, body));
  } else {
    const tmp = ctx.blobs.partTempPath();
    const part = await streamPart(ctx, req, throttle, tmp, room, session.size, whole);
    etag = part.etag;
    stored = commitPart(ctx, uploadId, partNumber, part, () => ctx.blobs.placeStreamedPart(uploadId, partNumber, tmp));
    if (stored !== 'ok') await fs.rm(tmp, { force: true });
  }
  if (stored === 'gone') throw new OssError(404, 'NoSuchUpload', 'The specified upload does not exist.');
  if (stored === 'exists') throw partExists(partNumber);
  await ctx.sql.committed();
  if (fault === 'lose') return;
  res.writeHead(200, { etag: `"${etag}"`, 'content-length': 0, 'x-oss-request-id': String(res.getHeader('x-ca-request-id')) });
  res.end();
}

/**
 * Stores a received part: the session may have ended, or a concurrent PUT may have stored this
 * part, while it arrived; the check, the bytes' storing (`store`: the contents row it made, or null
 * for a file) and the row happen together.
 */
function commitPart(ctx: EmulatorContext, uploadId: string, partNumber: number, part: ReceivedPart, store: () => number | null): 'ok' | 'gone' | 'exists' {
  return ctx.sql.tx(() => {
    if (!ctx.uploads.get(uploadId)) return 'gone';
    if (ctx.uploads.part(uploadId, partNumber)) return 'exists';
    const contentId = store();
    ctx.uploads.addPart({ upload_id: uploadId, part_number: partNumber, size: part.size, etag: part.etag, content_id: contentId });
    if (part.hashes) ctx.blobs.rememberPartHashes(uploadId, part.hashes);
    return 'ok';
  });
}

/** Streams the body to `tmp`, hashing it on the way. */
async function streamPart(ctx: EmulatorContext, req: IncomingMessage, throttle: ConnectionThrottle, tmp: string, room: number, declared: number, whole: boolean): Promise<ReceivedPart> {
  const md5 = createHash('md5');
  const hasher = whole ? new ContentHasher() : undefined;
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      ctx.stats.bytesUploaded += chunk.length;
      if (size > room) return done(tooLarge(declared));
      md5.update(chunk);
      hasher?.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(req, throttle.stream(req.socket), meter, createWriteStream(tmp));
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const hashes = hasher && size === declared ? hasher.digest() : undefined;
  return { size, etag: md5.digest('hex').toUpperCase(), hashes };
}

function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex').toUpperCase();
}

function wholeHashes(data: Buffer): ContentHashes {
  const hasher = new ContentHasher();
  hasher.update(data);
  return hasher.digest();
}

function tooLarge(declared: number): OssError {
  return new OssError(400, 'EntityTooLarge', `The parts exceed the declared file size of ${declared} bytes.`);
}

function partExists(partNumber: number): OssError {
  return new OssError(409, 'PartAlreadyExist', `Part ${partNumber} has already been uploaded; list the uploaded parts to get its etag.`);
}

/** Fault injection: the connection dies after the first bytes of the body; nothing is stored. */
function cutBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    const cut = () => {
      req.socket.destroy();
      resolve();
    };
    req.once('data', cut);
    req.once('end', cut);
    req.once('close', () => resolve());
  });
}
