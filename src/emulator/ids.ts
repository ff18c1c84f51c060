// Identifier shapes modelled on the real service: 40-hex file ids starting with a time prefix,
// numeric drive ids (from SQLite), uppercase request and upload ids, short share ids.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/**
 * Random bytes for ids come from a pool refilled 4 KiB at a time: one call into OpenSSL per 256
 * ids instead of one each (a small-file upload makes three), which cost the server's thread about
 * 5 µs apiece.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let taken = 0;

function randomHex(bytes: number): string {
  if (taken + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  taken += bytes;
  return pool.toString('hex', taken - bytes, taken);
}

function timeHex(): string {
  return Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
}

export function newFileId(): string {
  return timeHex() + randomHex(16);
}

export function newUploadId(): string {
  return randomHex(16).toUpperCase();
}

export function newRevisionId(): string {
  return timeHex() + randomHex(12);
}

export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export function newTaskId(): string {
  return randomUUID();
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** Opaque bearer secrets (refresh tokens, client secrets). */
export function randomSecret(): string {
  return randomBytes(24).toString('hex');
}
