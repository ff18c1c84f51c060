// Shows how many uploads are left while `pdsfs mount` drains on shutdown: one rewritten line on a
// terminal, plain lines (at most one a second, only on change) otherwise.
import type { Writable } from 'node:stream';

export interface DrainProgress {
  update(pendingFiles: number, pendingBytes: number): void;
  done(): void;
}

const LINE_INTERVAL_MS = 1000;

export function drainProgress(out: Writable & { isTTY?: boolean }): DrainProgress {
  let last = '';
  let lastAt = 0;
  let shown = false;
  return {
    update(files, bytes) {
      const text = files === 0 ? 'uploads done' : `uploading: ${files} file${files === 1 ? '' : 's'}, ${formatBytes(bytes)} left`;
      if (text === last) return;
      const now = Date.now();
      if (out.isTTY) {
        out.write(`\r\x1b[K${text}`);
      } else {
        if (now - lastAt < LINE_INTERVAL_MS && files !== 0) return;
        out.write(`${text}\n`);
      }
      last = text;
      lastAt = now;
      shown = true;
    },
    done() {
      if (shown && out.isTTY) out.write('\n');
    },
  };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
