// The domain's content hash. File objects name it in content_hash_name: "sha1" unless the domain is
// set up otherwise ("sha256" is the other one the official spec mentions). pdsfs treats a content
// hash as a SHA-1 only when the file says it is one, and refuses to vouch for an upload whose
// domain uses a hash it cannot compute.
import { PdsError } from './errors.js';
import type { PdsFile } from './wire-types.js';

const COMPUTABLE = new Set(['sha1', 'sha256']);

/** The hash the file's content_hash was made with (lower case; sha1 when not said). */
export function hashNameOf(f: Pick<PdsFile, 'content_hash_name'>): string {
  return (f.content_hash_name || 'sha1').toLowerCase();
}

/** The file's SHA-1 (upper-case hex) when its content hash is one. */
export function sha1Of(f: Pick<PdsFile, 'content_hash' | 'content_hash_name'>): string | undefined {
  return f.content_hash && hashNameOf(f) === 'sha1' ? f.content_hash.toUpperCase() : undefined;
}

/**
 * After an upload: the stored content hash must be that of the bytes sent. `sent` holds the hashes
 * known of those bytes by name (upper- or lower-case hex); a hash not among them is not compared.
 */
export function verifyStoredHash(file: Pick<PdsFile, 'content_hash' | 'content_hash_name'>, sent: Record<string, (string | undefined)[]>): void {
  const name = hashNameOf(file);
  if (!COMPUTABLE.has(name)) {
    throw new PdsError({ status: 200, code: 'UnsupportedContentHash', message: `the domain hashes content with "${name}", which pdsfs cannot compute, so it cannot check what was stored` });
  }
  const stored = file.content_hash?.toUpperCase();
  if (!stored) return;
  for (const expected of sent[name] ?? []) {
    if (expected && expected.toUpperCase() !== stored) {
      throw new PdsError({ status: 200, code: 'ContentHashMismatch', message: `server stored ${name} ${stored}, expected ${expected.toUpperCase()}` });
    }
  }
}
