// PUT <upload_url>: stores one part of an upload session, streamed to disk (never held in memory).
// OSS rules: parts arrive in order unless the session is parallel; a part already stored answers
// 409; a Content-Type that was not signed answers 403 SignatureDoesNotMatch.
import { createHash } from 'node:crypto';
import { createWriteStream, renameSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EmulatorContext } from '../context.js';
import { OssError } from '../errors.js';
import { PRE_HASH_BYTES } from '../store/blobs.js';

const MAX_PART = 10_000;

/** `pace` passes the body at the connection's bandwidth (a plain pass-through when unshaped). */
export async function handlePartPut(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL, pace: Transform, drop: boolean): Promise<void> {
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
  if (!session.parallel && ctx.uploads.countBelow(uploadId, partNumber) !== partNumber - 1) {
    throw new OssError(400, 'PartNotSequential', `Part ${partNumber} arrived before the parts preceding it; this upload is sequential.`);
  }
  if (drop) return cutBody(req);

  const room = session.size - ctx.uploads.storedBytes(uploadId);
  if (Number(req.headers['content-length'] ?? 0) > room) throw tooLarge(session.size);
  const tmp = await ctx.blobs.partTempPath(uploadId);
  const md5 = createHash('md5');
  // A whole file in one part is SHA-1 hashed as it arrives, so file/complete need not read it back.
  const whole = partNumber === 1 && Number(req.headers['content-length'] ?? -1) === session.size;
  const sha1 = whole ? createHash('sha1') : undefined;
  const pre = whole ? createHash('sha1') : undefined;
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      ctx.stats.bytesUploaded += chunk.length;
      if (size > room) return done(tooLarge(session.size));
      md5.update(chunk);
      sha1?.update(chunk);
      const preRoom = PRE_HASH_BYTES - (size - chunk.length);
      if (pre && preRoom > 0) pre.update(chunk.subarray(0, preRoom));
      done(null, chunk);
    },
  });
  try {
    await pipeline(req, pace, meter, createWriteStream(tmp));
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const etag = md5.digest('hex').toUpperCase();
  // The session may have ended, or a concurrent PUT may have stored this part, while we streamed;
  // the check, the rename and the row happen together.
  const stored = ctx.sql.tx(() => {
    if (!ctx.uploads.get(uploadId)) return 'gone';
    if (ctx.uploads.part(uploadId, partNumber)) return 'exists';
    renameSync(tmp, ctx.blobs.partPath(uploadId, partNumber));
    ctx.uploads.addPart({ upload_id: uploadId, part_number: partNumber, size, etag });
    if (sha1 && pre && size === session.size) {
      ctx.blobs.rememberPartHashes(uploadId, partNumber, { sha1: sha1.digest('hex').toUpperCase(), preSha1: pre.digest('hex').toUpperCase(), size });
    }
    return 'ok';
  });
  if (stored !== 'ok') {
    await fs.rm(tmp, { force: true });
    if (stored === 'gone') throw new OssError(404, 'NoSuchUpload', 'The specified upload does not exist.');
    throw partExists(partNumber);
  }
  res.writeHead(200, { etag: `"${etag}"`, 'content-length': 0, 'x-oss-request-id': String(res.getHeader('x-ca-request-id')) });
  res.end();
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
