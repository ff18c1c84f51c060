// What DriveRemote and ShareRemote share: reads over one scope (drive or share link) and the
// conversion of every PDS failure into a VfsError at this boundary.
import { toVfsError, VfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import type { PdsClient } from './client.js';
import type { Scope } from './api-files.js';
import { rootEntry, toRemoteEntry } from './entry.js';
import type { CreateFileResponse, PdsFile } from './wire-types.js';

export const LIST_PAGE_SIZE = 100;

export abstract class ScopedRemote {
  readonly rootId = 'root';

  constructor(readonly client: PdsClient, protected readonly scope: Scope) {}

  async *list(dirId: string, signal?: AbortSignal): AsyncIterable<RemoteEntry> {
    for await (const page of this.listPages(dirId, signal)) yield* page;
  }

  async *listPages(dirId: string, signal?: AbortSignal): AsyncIterable<RemoteEntry[]> {
    try {
      const ttl = this.client.downloader.urlExpireSec;
      for await (const page of this.client.files.iterateEntryPages({ ...this.scope, parent_file_id: dirId, limit: LIST_PAGE_SIZE, fields: '*', url_expire_sec: ttl }, signal)) {
        page.items.forEach((entry, i) => this.rememberUrl(entry, page.urls[i], ttl));
        yield page.items;
      }
    } catch (err) {
      throw toVfsError(err);
    }
  }

  loginProblem(): string | undefined {
    return this.client.tokenSource?.problem?.();
  }

  get(id: string, signal?: AbortSignal): Promise<RemoteEntry> {
    if (id === this.rootId) return Promise.resolve(rootEntry(id));
    const ttl = this.client.downloader.urlExpireSec;
    return this.guard(async () => {
      const f = await this.client.files.get({ ...this.scope, file_id: id, url_expire_sec: ttl }, signal);
      return this.withUrl(toRemoteEntry(f), f, ttl);
    });
  }

  /**
   * A file's download URL, when the answer carries one, saves the get_download_url call of its first
   * read. Drives only: a share link's reads go through get_download_url, which checks that the link
   * is still valid and counts downloads against its limits.
   */
  protected withUrl(entry: RemoteEntry, f: PdsFile, ttlSec: number): RemoteEntry {
    this.rememberUrl(entry, f.download_url ?? f.url, ttlSec);
    return entry;
  }

  private rememberUrl(entry: RemoteEntry, url: string | undefined, ttlSec: number): void {
    if (entry.kind === 'file' && url && this.scope.share_id === undefined) {
      this.client.downloader.remember({ scope: this.scope, fileId: entry.id, revision: entry.revision }, url, ttlSec);
    }
  }

  /** Bytes [start, endInclusive] (clipped to the size); errors while streaming are VfsErrors too. */
  openRange(entry: Pick<RemoteEntry, 'id' | 'revision' | 'size'> & { revisionId?: string }, start: number, endInclusive: number, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
    return this.guard(async () => {
      const end = Math.min(endInclusive, entry.size - 1);
      const target = { scope: this.scope, fileId: entry.id, revision: entry.revision, ...(entry.revisionId ? { revisionId: entry.revisionId } : {}) };
      return vfsErrors(await this.client.downloader.openRange(target, start, end, signal));
    });
  }

  /** A new folder in this scope; an existing entry of that name is EEXIST (unless a lost attempt of ours made it). */
  protected async makeFolder(parentId: string, name: string, userMeta?: string): Promise<RemoteEntry> {
    const r = await this.client.uploads.createFolder({
      ...this.scope, parent_file_id: parentId, name, type: 'folder', check_name_mode: 'refuse', ...(userMeta !== undefined ? { user_meta: userMeta } : {}),
    });
    if (r.exist && !r.adopted) throw new VfsError('EEXIST', `${name} already exists`);
    if (!r.exist) return newFolderEntry(r, parentId, name, userMeta);
    // Perhaps made by an attempt of ours whose answer was lost: only a folder will do.
    const entry = await this.get(r.file_id);
    if (entry.kind !== 'dir') throw new VfsError('EEXIST', `${name} already exists`);
    return entry;
  }

  protected async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toVfsError(err);
    }
  }
}

/**
 * The folder a create just made, from its answer (no file/get: one round trip less per mkdir). The
 * answer carries no times: the client's clock stands in for the server's until the folder is listed
 * or changed again.
 */
function newFolderEntry(r: CreateFileResponse, parentId: string, name: string, userMeta: string | undefined): RemoteEntry {
  const now = Date.now();
  return {
    id: r.file_id, parentId: r.parent_file_id || parentId, name: r.file_name || name, kind: 'dir', size: 0, mtime: now, ctime: now, revision: '',
    ...(userMeta !== undefined && userMeta !== '' ? { userMeta } : {}),
  };
}

/** The chunks of `chunks`, its failures as VfsErrors; ending early ends it. */
async function* vfsErrors(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (err) {
    throw toVfsError(err);
  }
}
