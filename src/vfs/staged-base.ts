// A journal row's staging copy opened with its base: the remote file it reads through the block
// cache wherever it holds no bytes of its own yet. completeStaged fills the rest in, for an upload
// (which needs every byte) or before the base goes away; privateCopy makes a whole copy the same way.
import type { JournalRow } from '../cache/metadata/journal.js';
import type { VfsStores } from './context.js';
import { VfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import { newerVersion } from './server-version.js';
import type { StagedBase } from '../core/staged-base.js';
import { type BaseSource, StagedFile } from './staged-file.js';
import type { Volume } from './volume.js';

let nextReader = 0;

/** A copy that starts with every byte still the remote file's. */
export function baseOf(volume: Volume, entry: RemoteEntry): StagedBase {
  return { volume: volume.id, fileId: entry.id, revision: entry.revision, size: entry.size, limit: entry.size, local: [] };
}

/**
 * A complete private copy of a remote file, in a staging file of its own (for a handle that keeps
 * reading a file being deleted). Nothing is left behind when the content cannot be had.
 */
export async function privateCopy(ctx: VfsStores, volume: Volume, entry: RemoteEntry): Promise<StagedFile> {
  const path = await ctx.staging.create(entry.size);
  const staged = await StagedFile.open(path, baseSource(ctx, baseOf(volume, entry))).catch(async (err: unknown) => {
    await ctx.staging.remove(path);
    throw err;
  });
  try {
    await staged.fillAll();
    return staged;
  } catch (err) {
    await staged.close();
    await ctx.staging.remove(path);
    throw err;
  }
}

function baseSource(ctx: VfsStores, base: StagedBase): BaseSource {
  const file = { volume: base.volume, fileId: base.fileId, revision: base.revision, size: base.size };
  const readerId = `base-${++nextReader}`;
  return {
    state: base,
    blockSize: ctx.blocks.blockSize,
    read: async (into, position, length, alone) => {
      if (!alone) return ctx.blocks.read(file, into, position, length, readerId);
      // A reader of its own, used once: the read-ahead of the sequence above never sees it.
      const once = `${readerId}-${++nextReader}`;
      try {
        return await ctx.blocks.read(file, into, position, length, once);
      } finally {
        ctx.blocks.forgetReader(once);
      }
    },
    claim: (bytes) => ctx.staging.space.claim(bytes),
    release: () => ctx.blocks.forgetReader(readerId),
  };
}

/**
 * Opens a row's staging copy. The journal's copy of the row is the one to trust: its base lists every
 * range written and committed (a stale one would have the base fill over them).
 */
export function openStaged(ctx: VfsStores, row: JournalRow): Promise<StagedFile> {
  const current = ctx.journal.get(row.id) ?? row;
  return StagedFile.open(current.stagingPath, current.base ? baseSource(ctx, current.base) : undefined);
}

/**
 * Makes a row's staging copy complete and durable, and records that; returns the row as it is then
 * (undefined when it is gone). An open file's copy is filled through its own StagedFile, which knows
 * of writes not yet committed.
 */
export async function completeStaged(ctx: VfsStores, rowId: number, signal?: AbortSignal): Promise<JournalRow | undefined> {
  const row = ctx.journal.get(rowId);
  if (!row?.base) return row;
  const open = ctx.openFiles.byRow(rowId)?.staged;
  const staged = open ?? (await openStaged(ctx, row));
  try {
    await staged.fillAll(signal);
    await staged.sync();
  } catch (err) {
    throw signal?.aborted ? err : await explainFailedFill(ctx, row.base, err);
  } finally {
    if (!open) await staged.close();
  }
  return ctx.journal.get(rowId) && ctx.journal.update(rowId, { base: null });
}

/**
 * A fill fails for good when the original was changed or deleted on the server meanwhile (its
 * bytes cannot be had any more): say so, as ENOENT, rather than leave a transient-looking error to
 * be retried for minutes. Any other failure is passed on as it is.
 */
async function explainFailedFill(ctx: VfsStores, base: StagedBase, err: unknown): Promise<unknown> {
  const now = await newerVersion(ctx.ns.volumes.find((v) => v.id === base.volume), base.fileId, base.revision);
  if (now === undefined) return err;
  const what = now === null ? 'was deleted' : 'changed';
  return new VfsError('ENOENT', `the original ${what} on the server before the parts not written here were copied from it`, undefined, { cause: err });
}
