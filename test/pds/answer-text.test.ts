// API answers are asked of axios as bytes and decoded where they are parsed (answerText in
// src/pds/axios-instance.ts): what the client reads must be what axios's 'text' gave, on the main
// thread and in the answer worker alike. A server that sends its JSON in pieces cut inside a UTF-8
// character, after a byte-order mark.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { connectPds } from '../../src/pds/connect.js';
import { PdsError } from '../../src/pds/errors.js';

const NAME = 'é\u{1F600}名.txt';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** `body` after a byte-order mark, written one byte at a time around each multi-byte character. */
function sendInPieces(res: http.ServerResponse, status: number, body: object): void {
  const bytes = Buffer.concat([BOM, Buffer.from(JSON.stringify(body))]);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  for (let i = 0; i < bytes.length; i++) res.write(bytes.subarray(i, i + 1));
  res.end();
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/v2/file/list') {
      sendInPieces(res, 200, {
        items: [{ domain_id: 'd', drive_id: '1', file_id: 'f1', parent_file_id: 'root', name: NAME, type: 'file', status: 'available', size: 3, created_at: '2026-12-05T00:00:00.000Z', updated_at: '2026-12-05T00:00:00.000Z' }],
        next_marker: '',
      });
    } else {
      sendInPieces(res, 400, { code: 'InvalidParameter.Name', message: `bad name ${NAME}` });
    }
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const client = connectPds({ endpoint, accessToken: 'token', retry: { maxAttempts: 1 } });
after(async () => {
  await client.http.answerWorker?.close();
  server.close();
});

for (const offThread of [false, true]) {
  test(`a page cut inside its characters, after a byte-order mark, reads whole ${offThread ? 'in the answer worker' : 'on the main thread'}`, async () => {
    if (offThread) await client.http.answerWorker!.started();
    const page = await client.files.listEntries({ drive_id: '1', parent_file_id: 'root' }, offThread);
    assert.deepEqual(page.items.map((e) => e.name), [NAME]);
  });
}

test("an error answer's code and message are read the same way", async () => {
  const err = await client.files.get({ drive_id: '1', file_id: 'f1' }).catch((e: unknown) => e);
  assert.ok(err instanceof PdsError);
  assert.equal(err.code, 'InvalidParameter.Name');
  assert.equal(err.message.includes(NAME), true, err.message);
});
