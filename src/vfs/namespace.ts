// The namespace above the volumes: "/" holds drives/ and shares/, or, with a single served drive,
// "/" is that drive's root.
import { VfsError } from '../core/errors.js';
import { nameKey } from '../shared/name-key.js';
import type { Volume } from './volume.js';

export type VirtualDir = 'root' | 'drives' | 'shares';

export type Location =
  | { kind: 'virtual'; dir: VirtualDir }
  | { kind: 'volume'; volume: Volume; segments: string[]; volumePath: string };

export class Namespace {
  constructor(
    readonly volumes: readonly Volume[],
    /** Serve volumes[0] at "/". */
    readonly single: boolean,
  ) {}

  locate(segments: readonly string[], path: string): Location {
    if (this.single) {
      const volume = this.volumes[0];
      if (!volume) throw new VfsError('ENOENT', 'no volume', path);
      return { kind: 'volume', volume, segments: [...segments], volumePath: '' };
    }
    const [top, name, ...rest] = segments;
    if (top === undefined) return { kind: 'virtual', dir: 'root' };
    const group = top === 'drives' ? 'drive' : top === 'shares' ? 'share' : undefined;
    if (!group) throw new VfsError('ENOENT', 'no such file or directory', path);
    if (name === undefined) return { kind: 'virtual', dir: top as VirtualDir };
    const volume = this.volumes.find((v) => v.kind === group && nameKey(v.dirName) === nameKey(name));
    if (!volume) throw new VfsError('ENOENT', 'no such drive or share', path);
    return { kind: 'volume', volume, segments: rest, volumePath: `/${top}/${volume.dirName}` };
  }

  /** Volumes listed in a virtual directory, or the group names at the root. */
  virtualChildren(dir: VirtualDir): { name: string; volume?: Volume }[] {
    if (dir === 'root') return [{ name: 'drives' }, { name: 'shares' }];
    const kind = dir === 'drives' ? 'drive' : 'share';
    return this.volumes.filter((v) => v.kind === kind).map((v) => ({ name: v.dirName, volume: v }));
  }

  /** The volume whose quota a path reports (for the virtual dirs: the first drive). */
  volumeFor(loc: Location): Volume | undefined {
    return loc.kind === 'volume' ? loc.volume : this.volumes.find((v) => v.kind === 'drive');
  }
}
