// Typed readers for fields of a JSON request body. Every wrong type or value becomes a 400
// InvalidParameter.<Field>, never a 500. null counts as absent.
import { invalidParam, missingParam } from './errors.js';

export type Body = Record<string, unknown>;

function present(body: Body, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

export function optString(body: Body, key: string, maxLength = 4096): string | undefined {
  if (!present(body, key)) return undefined;
  const v = body[key];
  if (typeof v !== 'string') throw invalidParam(key, `The input parameter ${key} must be a string.`);
  if (v.length > maxLength) throw invalidParam(key, `The input parameter ${key} is longer than ${maxLength} characters.`);
  return v;
}

/** A required non-empty string. */
export function reqString(body: Body, key: string, maxLength?: number): string {
  const v = optString(body, key, maxLength);
  if (v === undefined || v === '') throw missingParam(key);
  return v;
}

export function optInt(body: Body, key: string, min: number, max: number): number | undefined {
  if (!present(body, key)) return undefined;
  const v = body[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalidParam(key, `The input parameter ${key} must be an integer.`);
  if (v < min || v > max) throw invalidParam(key, `The input parameter ${key} must be between ${min} and ${max}.`);
  return v;
}

export function optBool(body: Body, key: string): boolean | undefined {
  if (!present(body, key)) return undefined;
  const v = body[key];
  if (typeof v !== 'boolean') throw invalidParam(key, `The input parameter ${key} must be a boolean.`);
  return v;
}

export function optEnum<T extends string>(body: Body, key: string, values: readonly T[]): T | undefined {
  const v = optString(body, key);
  if (v === undefined || v === '') return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw invalidParam(key, `The input parameter ${key} must be one of ${values.join(', ')}.`);
  }
  return v as T;
}

export function optStringArray(body: Body, key: string, maxItems: number, maxLength = 1024): string[] | undefined {
  if (!present(body, key)) return undefined;
  const v = body[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length > maxLength)) {
    throw invalidParam(key, `The input parameter ${key} must be a list of strings.`);
  }
  if (v.length > maxItems) throw invalidParam(key, `The input parameter ${key} has more than ${maxItems} items.`);
  return v as string[];
}

/** An ISO-8601 / RFC 3339 time; returns it normalised to ISO with milliseconds. */
export function optTime(body: Body, key: string): string | undefined {
  const v = optString(body, key, 64);
  if (v === undefined || v === '') return undefined;
  return parseTime(v, key);
}

export function parseTime(v: string, key: string): string {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.test(v);
  const t = Date.parse(v);
  if (!ok || Number.isNaN(t)) throw invalidParam(key, `The input parameter ${key} must be an RFC 3339 time.`);
  return new Date(t).toISOString();
}

/** limit with the documented range; default when absent. */
export function limitParam(body: Body, max: number, dflt: number): number {
  return optInt(body, 'limit', 1, max) ?? dflt;
}
