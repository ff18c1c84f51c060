// The one webdav-server v2 FileSystem, mounted at "/" over the whole Vfs namespace, so MOVE and COPY
// between drives reach vfs.rename / vfs.copy (server-side) instead of webdav-server's stream copy.
// Callbacks become promises here and nowhere else; every error leaves as a webdav-server singleton
// (error-map.ts). webdav-server's own lock and property managers are given empty in-memory
// instances: locks are per-token in LockTable and dead properties live in DavStore, because the
// library's per-user lock model cannot tell two clients of one user apart.
import * as dav from 'webdav-server/lib/index.v2.js';
import { VfsError } from '../core/errors.js';
import type { Vfs } from '../vfs/types.js';
import { HttpError } from './http-error.js';
import { statusOfDavError, toDavError, type ErrorContext } from './error-map.js';
import type { DavResources } from './resources.js';

type Callback<T> = (error?: Error, data?: T) => void;

// webdav-server turns errors into statuses by singleton identity, which drops the VfsError's own
// message ("name is longer than 1024 bytes"); it is kept per request here and put back for 4xx.
const causes = new WeakMap<dav.RequestContext, VfsError>();

function answer<T>(callback: Callback<T>, work: () => Promise<T>, context: ErrorContext = {}, ctx?: dav.RequestContext): void {
  work().then(
    (value) => callback(undefined, value),
    (err: unknown) => {
      if (ctx && err instanceof VfsError) causes.set(ctx, err);
      callback(toDavError(err, context));
    },
  );
}

function promised<T>(ctx: dav.RequestContext, call: (cb: Callback<T>) => void): Promise<T> {
  causes.delete(ctx);
  return new Promise<T>((resolve, reject) => call((e, v) => (e ? reject(e) : resolve(v as T)))).catch((err: unknown) => {
    const cause = causes.get(ctx);
    const status = err instanceof Error ? statusOfDavError(err) : undefined;
    // ResourceAlreadyExists stays itself (handlers compare it by identity); a missing parent says so.
    if (!cause || status === undefined || status >= 500 || err === dav.Errors.ResourceAlreadyExists || err === dav.Errors.IntermediateResourceMissing) throw err;
    throw new HttpError(status, cause.message);
  });
}

export class VfsFileSystem extends dav.FileSystem {
  constructor(
    private readonly vfs: Vfs,
    private readonly resources: DavResources,
  ) {
    super(undefined as unknown as dav.FileSystemSerializer);
    this.doNotSerialize();
  }

  // ---- the promise API the method handlers use (through webdav-server's checks) ----

  mkcol(ctx: dav.RequestContext, path: string): Promise<void> {
    return promised(ctx, (cb) => this.create(ctx, path, dav.ResourceType.Directory, false, cb));
  }

  remove(ctx: dav.RequestContext, path: string): Promise<void> {
    return promised(ctx, (cb) => this.delete(ctx, path, -1, cb));
  }

  /** Resolves to true when an existing destination was replaced. */
  moveTo(ctx: dav.RequestContext, from: string, to: string, overwrite: boolean): Promise<boolean> {
    return promised(ctx, (cb) => this.move(ctx, from, to, overwrite, cb));
  }

  /** Depth 0 copies a collection without its members. Resolves to true when the destination was replaced. */
  copyTo(ctx: dav.RequestContext, from: string, to: string, overwrite: boolean, depth: 0 | -1): Promise<boolean> {
    return promised(ctx, (cb) => this.copy(ctx, from, to, overwrite, depth, cb));
  }

  // ---- webdav-server hooks ----

  // Both hooks answer from one stat per request and path (DavResources.statEarly): webdav-server
  // checks existence, then asks the type of every requested path for its Allow header.
  protected override _fastExistCheck(ctx: dav.RequestContext, path: dav.Path, callback: (exists: boolean) => void): void {
    this.resources.statEarly(ctx, path.toString()).then(
      (r) => callback(r !== undefined),
      () => callback(false),
    );
  }

  protected override _type(path: dav.Path, info: dav.TypeInfo, callback: Callback<dav.ResourceType>): void {
    answer(callback, async () => {
      const r = await this.resources.statEarly(info.context, path.toString());
      if (!r) throw new VfsError('ENOENT', 'not found', path.toString());
      return r.isDir ? dav.ResourceType.Directory : dav.ResourceType.File;
    });
  }

  protected override _create(path: dav.Path, info: dav.CreateInfo, callback: Callback<void>): void {
    // Only collections are created through webdav-server; files are created by the PUT handler.
    if (!info.type.isDirectory) return callback(dav.Errors.InvalidOperation);
    answer(callback, async () => void (await this.vfs.mkdir(path.toString())), { creating: true }, info.context);
  }

  protected override _delete(path: dav.Path, info: dav.DeleteInfo, callback: Callback<void>): void {
    answer(callback, () => this.vfs.remove(path.toString(), { recursive: true }), {}, info.context);
  }

  protected override _move(from: dav.Path, to: dav.Path, info: dav.MoveInfo, callback: Callback<boolean>): void {
    answer(
      callback,
      async () => {
        const replaced = await this.clearDestination(from.toString(), to.toString(), info.overwrite);
        await this.vfs.rename(from.toString(), to.toString(), { overwrite: info.overwrite });
        return replaced;
      },
      { creating: true },
      info.context,
    );
  }

  protected override _copy(from: dav.Path, to: dav.Path, info: dav.CopyInfo, callback: Callback<boolean>): void {
    answer(
      callback,
      async () => {
        const replaced = await this.clearDestination(from.toString(), to.toString(), info.overwrite);
        const src = await this.vfs.stat(from.toString());
        if (src.kind === 'dir' && info.depth === 0) await this.vfs.mkdir(to.toString());
        else await this.vfs.copy(from.toString(), to.toString(), { overwrite: info.overwrite });
        return replaced;
      },
      { creating: true },
      info.context,
    );
  }

  protected override _lockManager(_path: dav.Path, _info: dav.LockManagerInfo, callback: Callback<dav.ILockManager>): void {
    callback(undefined, new dav.LocalLockManager());
  }

  protected override _propertyManager(_path: dav.Path, _info: dav.PropertyManagerInfo, callback: Callback<dav.IPropertyManager>): void {
    callback(undefined, new dav.LocalPropertyManager());
  }

  /**
   * RFC 4918 overwrite semantics: a destination is replaced as a whole. File over file is left to
   * the Vfs (it swaps atomically, keeping the old file until the new one is in place); whenever a
   * collection is involved the destination is removed first. Returns whether a destination existed.
   */
  private async clearDestination(from: string, to: string, overwrite: boolean): Promise<boolean> {
    const dest = await this.resources.stat(to);
    if (!dest) return false;
    if (!overwrite) throw new VfsError('EEXIST', 'destination exists', to);
    const src = await this.vfs.stat(from);
    // A LOCK placeholder at the destination is not in the Vfs: nothing to remove there.
    if (dest.source === 'vfs' && (dest.isDir || src.kind === 'dir')) await this.vfs.remove(to, { recursive: true });
    return true;
  }
}
