// Periodic clean-up of the store: blobs nobody refers to (after a grace period that outlives every
// download URL) and upload sessions abandoned for longer than PDS keeps parts (10 days).
import type { EmulatorContext } from './context.js';

/** Longest download URL lifetime (32 h) plus a margin. */
export const BLOB_GRACE_MS = (115_200 + 3_600) * 1000;
export const UPLOAD_MAX_AGE_MS = 10 * 24 * 3600 * 1000;

/**
 * Deletes blobs orphaned for longer than `graceMs` and still unreferenced. Synchronous on purpose:
 * the check and the unlink must not interleave with a rapid upload or complete reusing the blob.
 */
export function sweepBlobs(ctx: EmulatorContext, graceMs = BLOB_GRACE_MS): number {
  const stale = ctx.sql.all<{ sha1: string }>('SELECT sha1 FROM blobs WHERE orphaned_at < ?', Date.now() - graceMs);
  let removed = 0;
  for (const { sha1 } of stale) {
    if (ctx.files.blobInUse(sha1)) {
      ctx.sql.run('UPDATE blobs SET orphaned_at = NULL WHERE sha1 = ?', sha1);
      continue;
    }
    ctx.blobs.remove(sha1);
    removed++;
  }
  return removed;
}

/** Ends sessions older than `maxAgeMs`; files that never got content go with them. */
export async function sweepUploads(ctx: EmulatorContext, maxAgeMs = UPLOAD_MAX_AGE_MS): Promise<number> {
  const cutoff = new Date(Date.now() - maxAgeMs).toISOString();
  const stale = ctx.sql.all<{ upload_id: string; file_id: string }>('SELECT upload_id, file_id FROM uploads WHERE created_at < ?', cutoff);
  for (const u of stale) {
    const ended = ctx.sql.tx(() => {
      const parts = ctx.uploads.end(u.upload_id);
      const file = ctx.files.get(u.file_id);
      if (file?.status === 'uploading' && ctx.uploads.ofFile(u.file_id).length === 0) ctx.files.deleteRows([u.file_id]);
      return parts;
    });
    await ctx.blobs.removeUpload(ended);
  }
  return stale.length;
}

/** Runs both sweeps now and then every hour until the returned stop function is called. */
export function startMaintenance(ctx: EmulatorContext): () => void {
  const run = () => {
    try {
      sweepBlobs(ctx);
    } catch (err) {
      ctx.log?.warn({ err }, 'blob sweep failed');
    }
    try {
      ctx.tokens.sweepExpired();
    } catch (err) {
      ctx.log?.warn({ err }, 'refresh token sweep failed');
    }
    void sweepUploads(ctx).catch((err: unknown) => ctx.log?.warn({ err }, 'upload sweep failed'));
    // Committed now rather than at the end of the turn: the store a start returns has been swept.
    try {
      ctx.sql.flush();
    } catch (err) {
      ctx.log?.warn({ err }, 'committing the sweeps failed');
    }
  };
  run();
  const timer = setInterval(run, 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}
