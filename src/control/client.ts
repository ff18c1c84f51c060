// The CLI side of the control socket: small JSON requests over node:http, and discovery of the
// daemons running on a cache dir (a socket nobody answers on is left over from a killed daemon and
// is removed).
import fs from 'node:fs/promises';
import http from 'node:http';
import { controlSocketFiles } from './socket-path.js';
import type { DaemonStatus } from './status-report.js';

const TIMEOUT_MS = 10_000;

export interface ControlAnswer<T> {
  status: number;
  body: T;
}

export function controlRequest<T>(socketPath: string, method: 'GET' | 'POST', urlPath: string, body?: unknown): Promise<ControlAnswer<T>> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method,
        path: urlPath,
        timeout: TIMEOUT_MS,
        headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`control socket ${socketPath} did not answer in ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface RunningDaemon {
  socketPath: string;
  status: DaemonStatus;
}

/** Every daemon answering on the cache dir's control sockets, with its status. */
export async function runningDaemons(cacheDir: string): Promise<RunningDaemon[]> {
  const found: RunningDaemon[] = [];
  for (const socketPath of await controlSocketFiles(cacheDir)) {
    try {
      const answer = await controlRequest<DaemonStatus>(socketPath, 'GET', '/status');
      if (answer.status === 200) found.push({ socketPath, status: answer.body });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT') await fs.rm(socketPath, { force: true });
      else throw err;
    }
  }
  return found;
}
