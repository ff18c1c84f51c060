// One emulator per data dir: a pid file created exclusively. A file left by a dead process is stale
// and taken over; one held by a live process (this one included) refuses the start.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data dir; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'emulator.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new Error(`the data dir ${dataDir} is in use by another local PDS server (pid ${holder})`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the data dir ${dataDir}`);
}
