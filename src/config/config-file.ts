// The config file: a JSON object whose keys are option names from the table (options.ts), plus a
// "jwt" section for JWT-application credentials. It holds tokens, so it is written atomically
// (temp file + rename) with mode 0600, and a group/world-readable file holding secrets is reported
// (not silently changed: the user may have reasons, and `chmod` is theirs to run).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { valueOf } from './option-values.js';
import { CONFIG_KEYS, type OptionKind, SECRET_OPTIONS, specOf, type OptionSpec } from './options.js';

export const JWT_KEYS = ['client-id', 'private-key-path', 'user-id', 'domain-id'] as const;
export type JwtConfig = Record<(typeof JWT_KEYS)[number], string>;

export type OptionValue = string | number | boolean | string[];

export interface ConfigFileContents {
  /** Option name (as in options.ts) → value. */
  options: Record<string, OptionValue>;
  jwt?: JwtConfig;
}

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

export interface ReadOptions {
  /** Receives the warning about a config file that holds secrets and is readable by others. */
  warn?: (message: string) => void;
}

/** Reads and validates a config file; a missing file reads as empty (login creates it). */
export function readConfigFile(file: string, opts: ReadOptions = {}): ConfigFileContents {
  let text: string;
  let mode: number;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      mode = fs.fstatSync(fd).mode;
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { options: {} };
    throw new ConfigFileError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const contents = parseContents(raw, file);
  if ((mode & 0o077) !== 0 && holdsSecrets(contents)) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    opts.warn?.(`warning: ${file} holds secrets and is readable by group or others (mode ${octal}); run: chmod 600 '${file}'`);
  }
  return contents;
}

function parseContents(raw: unknown, file: string): ConfigFileContents {
  if (!isObject(raw)) throw new ConfigFileError(`config file ${file} must hold a JSON object`);
  const contents: ConfigFileContents = { options: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'jwt') {
      contents.jwt = parseJwt(value, file);
      continue;
    }
    const spec = CONFIG_KEYS.has(key) ? specOf(key) : undefined;
    if (!spec) {
      throw new ConfigFileError(`config file ${file}: unknown key "${key}" (keys are option names as in \`pdsfs <command> --help\`, without dashes in front, plus "jwt")`);
    }
    contents.options[key] = checkType(key, spec, value, file);
  }
  return contents;
}

/** What a config file may hold for a kind: what yargs would give for it from a flag. */
const JSON_TYPES: Record<OptionKind, readonly string[]> = {
  text: ['string'], path: ['string'], url: ['string'], choice: ['string'], octal: ['string'],
  list: ['array'], flag: ['boolean'], count: ['number'], number: ['number'],
  size: ['string', 'number'], duration: ['string', 'number'],
};

function checkType(key: string, spec: OptionSpec, value: unknown, file: string): OptionValue {
  const allowed = JSON_TYPES[spec.kind];
  const type = Array.isArray(value) ? (value.every((v) => typeof v === 'string') ? 'array' : 'mixed array') : typeof value;
  if (!allowed.includes(type)) {
    const expected = allowed.map((t) => (t === 'array' ? 'an array of strings' : `a ${t}`)).join(' or ');
    throw new ConfigFileError(`config file ${file}: "${key}" must be ${expected}, not ${JSON.stringify(value)}`);
  }
  try {
    valueOf(spec, value);
  } catch (err) {
    throw new ConfigFileError(`config file ${file}: "${key}": ${(err as Error).message}`);
  }
  return value as OptionValue;
}

function parseJwt(value: unknown, file: string): JwtConfig {
  if (!isObject(value)) throw new ConfigFileError(`config file ${file}: "jwt" must be an object with ${JWT_KEYS.join(', ')}`);
  for (const key of Object.keys(value)) {
    if (!(JWT_KEYS as readonly string[]).includes(key)) throw new ConfigFileError(`config file ${file}: unknown key "jwt.${key}" (allowed: ${JWT_KEYS.join(', ')})`);
  }
  for (const key of JWT_KEYS) {
    if (typeof value[key] !== 'string' || value[key] === '') throw new ConfigFileError(`config file ${file}: "jwt.${key}" must be a non-empty string`);
  }
  return value as JwtConfig;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A share given as "ID:PASSWORD" carries a password. */
export const sharePassword = (share: string): string | undefined => {
  const i = share.indexOf(':');
  return i < 0 ? undefined : share.slice(i + 1);
};

function holdsSecrets(contents: ConfigFileContents): boolean {
  const { options } = contents;
  if (Object.keys(options).some((k) => SECRET_OPTIONS.has(k))) return true;
  return Array.isArray(options.share) && options.share.some((s) => sharePassword(s) !== undefined);
}

function serialize(contents: ConfigFileContents): string {
  const out: Record<string, unknown> = { ...contents.options };
  if (contents.jwt) out.jwt = contents.jwt;
  return `${JSON.stringify(out, null, 2)}\n`;
}

export function writeConfigFile(file: string, contents: ConfigFileContents): Promise<void> {
  return writeSecretFile(file, serialize(contents));
}

/**
 * Replaces the file in one step: a reader sees the old or the new contents, never a mix. The temp
 * file is created 0600, so the secrets are never exposed.
 *
 * The new contents are in place before the first await (synchronous calls, a few hundred µs): a
 * refreshed token pair ends the old one at the server, so a process killed between the answer and
 * this write loses the login, and the asynchronous steps with their fsyncs made that window tens of
 * milliseconds. Once this resolves the file and its name are fsynced too (power loss).
 */
export async function writeSecretFile(file: string, text: string): Promise<void> {
  const target = realTarget(file);
  const dir = path.dirname(target);
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) fs.chmodSync(dir, 0o700); // mkdir's mode is reduced by the umask
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.fchmodSync(fd, 0o600);
      fs.writeFileSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  await syncPath(target);
  await syncPath(dir);
}

/** Writes through a symlinked config file (dotfile managers) instead of replacing the link. */
function realTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** fsync of a file or a folder (a folder: makes the renames in it durable). */
async function syncPath(file: string): Promise<void> {
  const fh = await fsp.open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const updates = new Map<string, Promise<unknown>>();

/**
 * Read-modify-write of one file, one at a time per file in this process, so concurrent updates
 * (a token rotation during a login, say) are applied in call order and none is lost.
 * `change` returns the new contents, or undefined to leave the file alone.
 */
export function updateConfigFile(
  file: string,
  change: (current: ConfigFileContents) => ConfigFileContents | undefined,
): Promise<ConfigFileContents> {
  const key = path.resolve(file);
  const previous = updates.get(key) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      const current = readConfigFile(key);
      const next = change(current);
      if (next === undefined) return current;
      await writeConfigFile(key, next);
      return next;
    });
  updates.set(key, run);
  const forget = (): void => {
    if (updates.get(key) === run) updates.delete(key);
  };
  run.then(forget, forget);
  return run;
}
