// The WebDAV login used when `pdsfs serve` is given none: generated once (random password), stored
// with mode 0600 in the config directory and reused on every later start.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface StoredCredentials {
  user: string;
  password: string;
}

export function loadOrCreateCredentials(file: string): { credentials: StoredCredentials; created: boolean } {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StoredCredentials>;
    if (typeof parsed.user !== 'string' || typeof parsed.password !== 'string' || !parsed.user || !parsed.password) {
      throw new Error(`${file} does not hold {"user": ..., "password": ...}; fix or delete it`);
    }
    // Tighten permissions if someone loosened them.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return { credentials: { user: parsed.user, password: parsed.password }, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const credentials = { user: 'pdsfs', password: randomBytes(18).toString('base64url') };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { credentials, created: true };
}
