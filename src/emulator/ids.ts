// Identifier shapes modelled on the real service: 40-hex file ids starting with a time prefix,
// numeric drive ids (from SQLite), uppercase request and upload ids, short share ids.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

function timeHex(): string {
  return Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
}

export function newFileId(): string {
  return timeHex() + randomBytes(16).toString('hex');
}

export function newUploadId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function newRevisionId(): string {
  return timeHex() + randomBytes(12).toString('hex');
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
