// Name rules of PDS objects: at most 1024 UTF-8 bytes, no '/', not empty, not '.' or '..', no control
// characters. Names are stored as given (no Unicode normalisation).
import { invalidParam } from './errors.js';

export const MAX_NAME_BYTES = 1024;

const CONTROL_OR_SLASH = /[\u0000-\u001f\u007f/]/;
const LONE_SURROGATE = /\p{Cs}/u;

export function validateName(name: string, field = 'name'): string {
  if (name === '') throw invalidParam(field, 'The name must not be empty.');
  if (name === '.' || name === '..') throw invalidParam(field, `The name "${name}" is reserved.`);
  if (CONTROL_OR_SLASH.test(name)) throw invalidParam(field, 'The name must not contain "/" or control characters.');
  if (LONE_SURROGATE.test(name)) throw invalidParam(field, 'The name is not valid UTF-8.');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw invalidParam(field, `The name is longer than ${MAX_NAME_BYTES} bytes.`);
  }
  return name;
}

/** Splits "a.tar.gz" into ["a.tar", ".gz"]; folders and dot-files have no extension part. */
function splitExtension(name: string, isFolder: boolean): [string, string] {
  const dot = name.lastIndexOf('.');
  if (isFolder || dot <= 0) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

function timestampSuffix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

function truncateBytes(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out, 'utf8') > maxBytes) out = Array.from(out).slice(0, -1).join('');
  return out;
}

/**
 * auto_rename candidates: "report.txt" → "report_20240102_150405.txt", then "report_20240102_150405(1).txt", ...
 * The base is shortened when the result would exceed the byte limit.
 */
export function* renameCandidates(name: string, isFolder: boolean, now: Date): Generator<string> {
  const [base, ext] = splitExtension(name, isFolder);
  const stamp = timestampSuffix(now);
  for (let n = 0; ; n++) {
    const tail = `${stamp}${n > 0 ? `(${n})` : ''}${ext}`;
    yield truncateBytes(base, MAX_NAME_BYTES - Buffer.byteLength(tail, 'utf8')) + tail;
  }
}
