// Reading a whole request body with a size limit. Past the limit the rest of the body is read and
// dropped rather than the stream destroyed: destroying an unfinished request (as leaving a for-await
// loop over it does) resets the connection, and a keep-alive client whose next request went out on
// it got ECONNRESET instead of an answer.
import type { IncomingMessage } from 'node:http';

export function readLimitedBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      req.resume(); // keep the rest flowing, to nowhere
      reject(tooLarge());
    };
    const onEnd = (): void => {
      req.off('error', reject);
      req.off('close', onGone);
      resolve(Buffer.concat(chunks));
    };
    // A client gone before its body was read (killed while the server was busy elsewhere): no 'end'
    // will come, so the request would wait forever (and hold up a server's close).
    const onGone = (): void => reject(new Error('the client went away before its request body was read'));
    if (req.destroyed && !req.readableEnded) return onGone();
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
    req.once('close', onGone);
  });
}
