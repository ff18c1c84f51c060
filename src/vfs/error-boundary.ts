// The error contract of the seam above the VFS, enforced in one place: whatever a Vfs method or a
// FileHandle it opened throws (SQLite and fs errors included) reaches the front-ends as a VfsError,
// through core's one toVfsError. The front-ends then need one table each and no fallbacks. Every
// front-end request passes here, so here the foreground's activity is told too.
import { toVfsError } from '../core/errors.js';
import type { ForegroundActivity } from './foreground.js';
import type { FileHandle, Vfs } from './types.js';

/** Calls that wait for the background, or are background work themselves, rather than a user's request. */
const NOT_FOREGROUND = new Set<string | symbol>(['drain', 'close', 'listAhead']);

/**
 * The same object, its methods' errors (thrown, rejected or raised while iterating, as readdirPages
 * does) converted; open() hands out guarded handles. Each call (but drain and close) touches
 * `foreground`, when given.
 */
export function withVfsErrors<T extends Vfs>(vfs: T, foreground?: Pick<ForegroundActivity, 'touch'>): T {
  const onCall = foreground ? (method: string | symbol) => NOT_FOREGROUND.has(method) || foreground.touch() : () => undefined;
  return guard(vfs, onCall, (method, result) => (method === 'open' ? guard(result as FileHandle, onCall, (_, r) => r) : result));
}

function guard<T extends object>(target: T, onCall: (method: string | symbol) => unknown, wrapResult: (method: string | symbol, result: unknown) => unknown): T {
  const wrapped = new Map<string | symbol, (...args: unknown[]) => unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      let method = wrapped.get(prop);
      if (!method) {
        method = (...args: unknown[]) => {
          // Vfs methods name a path first; a handle knows its own.
          const path = typeof args[0] === 'string' ? args[0] : (obj as { path?: string }).path;
          const fail = (err: unknown): never => {
            throw toVfsError(err, path);
          };
          onCall(prop);
          try {
            const result: unknown = Reflect.apply(value, obj, args);
            if (result instanceof Promise) return result.then((r: unknown) => wrapResult(prop, r), fail);
            if (isAsyncIterable(result)) return guardIteration(result, fail);
            return wrapResult(prop, result);
          } catch (err) {
            return fail(err);
          }
        };
        wrapped.set(prop, method);
      }
      return method;
    },
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** The same items; an error raised between them (the body of an async generator runs there) is converted. */
async function* guardIteration<T>(items: AsyncIterable<T>, fail: (err: unknown) => never): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (err) {
    fail(err);
  }
}
