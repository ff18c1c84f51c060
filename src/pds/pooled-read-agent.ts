// A keep-alive HTTP agent whose sockets read into one buffer of their own, reused for every read.
// A plain socket allocates a fresh 64 KiB buffer per read, and Node's HTTP parser copies each body
// chunk out of it into another: two buffers outside V8's heap per 64 KiB downloaded. V8 counts
// those bytes against the old generation's limit until a collection frees them, so streaming
// gigabytes set off a full collection every few megabytes. The parser copies all it keeps before
// the read returns, so the socket's buffer can be the same each time.
import http from 'node:http';
import net from 'node:net';

/** What Node's sockets read at most at once. */
const READ_BYTES = 64 * 1024;

export class PooledReadAgent extends http.Agent {
  override createConnection(options: net.NetConnectOpts): net.Socket {
    const buffer = Buffer.allocUnsafeSlow(READ_BYTES);
    const socket: net.Socket = net.createConnection({
      ...options,
      onread: {
        buffer,
        // Delivered as a plain socket's read would be; the HTTP client pauses the socket (which
        // stops the reads) when its response is not being read.
        callback: (n, buf) => {
          socket.emit('data', buf.subarray(0, n));
          return true;
        },
      },
    });
    return socket;
  }
}
