// A volume is one Remote (drive or share link) mounted as a directory of the namespace.
import type { Remote } from '../core/remote.js';

export interface Volume {
  /** Remote's volumeId ("drive:1"). */
  readonly id: string;
  /** Directory name in the namespace: unique and filesystem-safe. */
  readonly dirName: string;
  readonly kind: 'drive' | 'share';
  readonly remote: Remote;
  readonly readOnly: boolean;
}

/** Makes names unique and safe as directory names ("My Drive", "My Drive (2)"). */
export function uniqueDirNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((raw) => {
    const base = raw.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim() || 'unnamed';
    const safe = base === '.' || base === '..' ? `_${base}` : base;
    let name = safe;
    for (let i = 2; used.has(name.normalize('NFC')); i++) name = `${safe} (${i})`;
    used.add(name.normalize('NFC'));
    return name;
  });
}
