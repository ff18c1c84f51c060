// Share links given with --share ID[:PASSWORD] become read-only volumes under shares/. A share that
// cannot be opened (wrong password, cancelled, expired, unknown) is reported clearly at start and
// still mounted, so the other volumes work and access to it answers EACCES.
import { type PdsClient, PdsError, ShareRemote } from './pds/index.js';
import type { Logger } from './shared/logger.js';
import { uniqueDirNames, type Volume } from './vfs/volume.js';

export interface ShareSpec {
  shareId: string;
  password?: string;
}

/** "ID" or "ID:PASSWORD" (the password may itself contain ':'). */
export function parseShareSpec(spec: string): ShareSpec {
  const at = spec.indexOf(':');
  if (at < 0) return { shareId: spec.trim() };
  return { shareId: spec.slice(0, at).trim(), password: spec.slice(at + 1) };
}

const PROBLEMS: Record<string, string> = {
  'InvalidResource.SharePwd': 'wrong or missing password',
  'ShareLink.Cancelled': 'the share link was cancelled',
  'ShareLink.Expired': 'the share link has expired',
  'ShareLink.Forbidden': 'the share link is blocked',
  'NotFound.ShareLink': 'no such share link',
};

/** A readable reason for a failed share access. */
export function shareProblem(err: unknown): string {
  if (err instanceof PdsError) return PROBLEMS[err.code] ?? `${err.code}: ${err.message}`;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof PdsError) return shareProblem(cause);
  return err instanceof Error ? err.message : String(err);
}

export async function shareVolumes(client: PdsClient, specs: readonly string[], readOnly: boolean, logger: Logger): Promise<Volume[]> {
  const opened = await Promise.all(
    specs.map(async (raw) => {
      const spec = parseShareSpec(raw);
      let name = spec.shareId;
      try {
        name = (await client.shareLinks.getByAnonymous(spec.shareId)).share_name || spec.shareId;
        await client.shareLinks.getShareToken({ share_id: spec.shareId, ...(spec.password ? { share_pwd: spec.password } : {}) });
      } catch (err) {
        logger.error({ share: spec.shareId, problem: shareProblem(err) }, `share ${spec.shareId} cannot be opened: ${shareProblem(err)}; it is mounted but unreadable`);
      }
      const remote = new ShareRemote(client, spec.shareId, spec.password ? { password: spec.password } : {});
      return { name, remote };
    }),
  );
  const names = uniqueDirNames(opened.map((o) => o.name));
  return opened.map((o, i) => ({ id: o.remote.volumeId, dirName: names[i]!, kind: 'share' as const, remote: o.remote, readOnly: readOnly || o.remote.capabilities.readOnly }));
}
