// The Fuse class pdsfs mounts with: fuse-native's, plus the libfuse options it has no switch for,
// and its own glue for what the fixed binding (native-binding.ts) carries differently: stat times in
// nanoseconds, utimens times with UTIME_NOW / UTIME_OMIT, the uid and gid of each request, and
// readdir by offset.
import type FuseClass from 'fuse-native';
import type { FuseStat, FuseTime } from 'fuse-native';
import type { FuseBinding } from './native-binding.js';

/** Who made the request being dispatched, and the binding's handle for it; valid until the op's first await. */
export interface Caller {
  uid: number;
  gid: number;
  native?: unknown;
}

type Handler = (nativeHandler: unknown, opCode: number, ...args: unknown[]) => unknown;

const TWO_32 = 0x1_0000_0000n;
const TWO_32_NUMBER = 0x1_0000_0000;
const U64_MAX = (1n << 64n) - 1n;
const NS_PER_MS = 1_000_000n;

export function fuseClass(binding: FuseBinding, extraOptions: string, caller: Caller): typeof FuseClass {
  const { Fuse, fixed, callerOf } = binding;
  return class PdsFuse extends Fuse {
    protected override _fuseOptions(): string {
      const base = super._fuseOptions();
      return base ? `${base},${extraOptions}` : `-o${extraOptions}`;
    }

    protected override _makeHandlerArray(): Handler[] {
      const handlers = super._makeHandlerArray();
      if (!callerOf) return handlers;
      return handlers.map((h) => h && ((nativeHandler: unknown, opCode: number, ...args: unknown[]) => {
        Object.assign(caller, callerOf(nativeHandler));
        caller.native = nativeHandler;
        return h(nativeHandler, opCode, ...args);
      }));
    }

    _op_getattr(signal: (code: number, stat?: Uint32Array) => void, path: string): void {
      this.ops.getattr!(path, (code, stat) => signal(code, statArray(stat, fixed)));
    }

    /**
     * The fixed binding passes the kernel's offset and takes a resume offset per name (dir-streams.ts),
     * and the attributes of each name, which it keeps for the lookups that follow.
     */
    _op_readdir(signal: (code: number, names?: string[], stats?: Uint32Array[], offsets?: Float64Array) => void, path: string, offLow?: number, offHigh?: number): void {
      const readdir = this.ops.readdir!;
      if (offLow !== undefined && offHigh !== undefined) {
        return readdir(path, offLow + offHigh * TWO_32_NUMBER, (code, page) => signal(code, page?.names ?? [], statArrays(page?.stats ?? [], fixed), readdirOffsets(page)));
      }
      // The shipped binary takes the whole folder in one answer, names only (it would list a d_ino of 0).
      const names: string[] = [];
      const from = (offset: number): void =>
        readdir(path, offset, (code, page) => {
          if (code < 0) return signal(code);
          if (!page || page.names.length === 0) return signal(0, names, []);
          names.push(...page.names);
          if (page.end) return signal(0, names, []);
          from(page.offsets[page.offsets.length - 1]!);
        });
      from(0);
    }

    _op_utimens(signal: (code: number) => void, path: string, aLow: number, aHigh: number, mLow: number, mHigh: number): void {
      if (!fixed) {
        // The shipped binary passes milliseconds (and the access time twice).
        const ms = (lo: number, hi: number) => (BigInt(lo) + BigInt(hi) * TWO_32) * NS_PER_MS;
        return this.ops.utimens!(path, ms(aLow, aHigh), ms(mLow, mHigh), signal);
      }
      this.ops.utimens!(path, timeArg(aLow, aHigh), timeArg(mLow, mHigh), signal);
    }
  };
}

/** Where to resume after each name; one more, -1, when the page ends its listing (the binding then answers the next readdir itself). */
function readdirOffsets(page: { offsets: number[]; end?: boolean } | undefined): Float64Array {
  if (!page) return new Float64Array(0);
  const out = new Float64Array(page.offsets.length + (page.end ? 1 : 0));
  out.set(page.offsets);
  if (page.end) out[page.offsets.length] = -1;
  return out;
}

function timeArg(low: number, high: number): FuseTime {
  const v = BigInt(low) + BigInt(high) * TWO_32;
  if (v === U64_MAX) return 'omit';
  if (v === U64_MAX - 1n) return 'now';
  return BigInt.asIntN(64, v);
}

/** uint32s in a struct stat as the binding reads it. */
const STAT_INTS = 18;

/** struct stat as the binding reads it: 18 uint32s, 64-bit values low word first. */
export function statArray(stat: FuseStat | undefined, nsTimes: boolean): Uint32Array {
  const ints = new Uint32Array(STAT_INTS);
  if (stat) writeStat(ints, 0, stat, nsTimes);
  return ints;
}

/**
 * A listing's stats for the binding: views of one buffer, not a buffer each (an ArrayBuffer of its
 * own per listed name made the collector's young-generation passes sweep one per name).
 */
export function statArrays(stats: readonly FuseStat[], nsTimes: boolean): Uint32Array[] {
  const all = new Uint32Array(STAT_INTS * stats.length);
  return stats.map((stat, i) => {
    writeStat(all, i * STAT_INTS, stat, nsTimes);
    return all.subarray(i * STAT_INTS, (i + 1) * STAT_INTS);
  });
}

function writeStat(ints: Uint32Array, at: number, stat: FuseStat, nsTimes: boolean): void {
  ints[at] = stat.mode;
  ints[at + 1] = stat.uid;
  ints[at + 2] = stat.gid;
  setUint64(ints, at + 3, stat.size);
  ints[at + 5] = 0;
  ints[at + 6] = stat.nlink;
  ints[at + 7] = stat.ino;
  ints[at + 8] = stat.rdev;
  ints[at + 9] = stat.blksize;
  setUint64(ints, at + 10, stat.blocks);
  setTime64(ints, at + 12, nsTimes ? stat.atime : stat.atime / NS_PER_MS);
  setTime64(ints, at + 14, nsTimes ? stat.mtime : stat.mtime / NS_PER_MS);
  setTime64(ints, at + 16, nsTimes ? stat.ctime : stat.ctime / NS_PER_MS);
}

/** A count (size, blocks: whole numbers from 0 to 2^53) as two words, without BigInt: this runs for every listed name. */
function setUint64(ints: Uint32Array, i: number, v: number): void {
  ints[i] = v % TWO_32_NUMBER;
  ints[i + 1] = Math.floor(v / TWO_32_NUMBER);
}

/** A time as two words of its 64-bit two's complement (before 1970 is negative). */
function setTime64(ints: Uint32Array, i: number, v: bigint): void {
  ints[i] = Number(BigInt.asUintN(32, v));
  ints[i + 1] = Number(BigInt.asUintN(32, v >> 32n));
}
