// Per-connection bandwidth, as a WAN link or a provider's per-connection cap shapes it: every TCP
// connection has its own budget of bytes per second, shared by the requests it carries one after
// another (keep-alive). Idle time is not banked: a connection never bursts above the rate.
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';

/** Slices of this size are paced one by one, so a 1 MiB read is not one burst followed by a pause. */
const SLICE = 64 * 1024;

export class ConnectionThrottle {
  /** When each connection's link is free again (epoch ms). */
  private readonly freeAt = new WeakMap<Socket, number>();

  /** `rate()` is read per slice, so a change (e.g. through /admin/faults) applies to transfers in progress. */
  constructor(private readonly rate: () => number) {}

  get active(): boolean {
    return this.rate() > 0;
  }

  /** Resolves when `bytes` would have crossed `socket`'s link; at once when there is no limit. */
  async pass(socket: Socket, bytes: number): Promise<void> {
    const rate = this.rate();
    if (!(rate > 0) || bytes <= 0) return;
    const now = Date.now();
    const done = Math.max(now, this.freeAt.get(socket) ?? 0) + (bytes * 1000) / rate;
    this.freeAt.set(socket, done);
    if (done - now >= 1) await new Promise((resolve) => setTimeout(resolve, done - now));
  }

  /** `data` in the slices pass() paces one by one: itself when there is no limit. */
  slices(data: Buffer): Buffer[] {
    if (!this.active || data.length <= SLICE) return [data];
    const out: Buffer[] = [];
    for (let off = 0; off < data.length; off += SLICE) out.push(data.subarray(off, off + SLICE));
    return out;
  }

  /** A pass-through stream that paces the bytes of a transfer on `socket`. */
  stream(socket: Socket): Transform {
    const throttle = this;
    return new Transform({
      transform(chunk: Buffer, _enc, done) {
        void (async () => {
          for (const slice of throttle.slices(chunk)) {
            await throttle.pass(socket, slice.length);
            this.push(slice);
          }
        })().then(() => done(), done);
      },
    });
  }
}
