// Sockets of the pooled-read agent read every chunk into the same buffer, and the HTTP client on
// top still gets the bytes exactly, through keep-alive reuse and a paused response. Counted: the
// distinct buffers the socket delivered, the connections the server saw.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PooledReadAgent } from '../../src/pds/pooled-read-agent.js';

const body = randomBytes(3 * 1024 * 1024 + 17);
let connections = 0;
const server = http.createServer((_req, res) => res.end(body));
server.on('connection', () => connections++);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const agent = new PooledReadAgent({ keepAlive: true });

after(() => {
  agent.destroy();
  server.close();
});

/** GETs url through the agent: the body, and the ArrayBuffers the socket's reads were delivered in. */
async function get(opts: { pauseMs?: number } = {}): Promise<{ body: Buffer; readBuffers: Set<ArrayBufferLike> }> {
  const readBuffers = new Set<ArrayBufferLike>();
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(url, { agent }, resolve);
    req.once('error', reject);
    req.once('socket', (socket) => socket.on('data', (d: Buffer) => readBuffers.add(d.buffer)));
  });
  if (opts.pauseMs) {
    // Not read for a while: the client stops the socket's reads, and they start again on resume.
    res.pause();
    await sleep(opts.pauseMs);
  }
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { body: Buffer.concat(chunks), readBuffers };
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

test('every read of a socket lands in the same buffer, and the body arrives whole', async () => {
  const got = await get();
  assert.equal(sha1(got.body), sha1(body));
  assert.equal(got.readBuffers.size, 1, 'one buffer for all the reads of a 3 MiB body');
});

test('a kept-alive socket serves the next GET, and a paused response still arrives whole', async () => {
  const before = connections;
  const paused = await get({ pauseMs: 50 });
  const again = await get();
  assert.equal(sha1(paused.body), sha1(body));
  assert.equal(sha1(again.body), sha1(body));
  assert.equal(connections - before, 0, 'both GETs on the connection of the first test');
});
