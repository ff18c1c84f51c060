// Share links given with --share ID[:PASSWORD] become volumes under shares/ (read-only unless the link
// takes uploads). A share that cannot be opened (wrong password, cancelled, expired, unknown) is
// reported clearly at start and still mounted, so the other volumes work and access to it answers
// EACCES; one that stops working later is logged by its ShareRemote.
import type { Settings } from '../cache/metadata/settings.js';
import { type PdsClient, ShareRemote } from '../pds/index.js';
import type { Logger } from '../shared/logger.js';
import { uniqueDirNames, type Volume } from '../vfs/volume.js';

export interface ShareSpec {
  shareId: string;
  password?: string;
}

/** "ID" or "ID:PASSWORD" (the password may itself contain ':'). */
export function parseShareSpec(spec: string): ShareSpec {
  const at = spec.indexOf(':');
  if (at < 0) return { shareId: spec.trim() };
  const password = spec.slice(at + 1);
  return { shareId: spec.slice(0, at).trim(), ...(password ? { password } : {}) };
}

/** One spec per share id: the first wins (a share's token and password are per id). */
function distinct(specs: readonly string[], logger: Logger): ShareSpec[] {
  const byId = new Map<string, ShareSpec>();
  for (const raw of specs) {
    const spec = parseShareSpec(raw);
    if (!spec.shareId) logger.warn('an empty --share value was ignored');
    else if (byId.has(spec.shareId)) logger.warn({ share: spec.shareId }, `share ${spec.shareId} is given more than once: the first one is used`);
    else byId.set(spec.shareId, spec);
  }
  return [...byId.values()];
}

/** What a start remembers of a link it opened (by share id), for a start while PDS is unreachable. */
export interface KnownShare {
  name: string;
  creatable: boolean;
}

const KNOWN_KEY = 'shares';

/**
 * The links as volumes. A start while PDS is unreachable serves each link as the last run knew it
 * (its name, whether it takes uploads), so its directory keeps its name and its cached contents; a
 * link never opened before is named by its id until a start that reaches PDS.
 */
export async function shareVolumes(client: PdsClient, specs: readonly string[], readOnly: boolean, logger: Logger, known?: Settings): Promise<Volume[]> {
  const remembered = known?.get<Record<string, KnownShare>>(KNOWN_KEY) ?? {};
  const opened = await Promise.all(
    distinct(specs, logger).map(async (spec) => {
      const last = remembered[spec.shareId];
      const remote = new ShareRemote(client, spec.shareId, { ...(spec.password ? { password: spec.password } : {}), ...(last ? { creatable: last.creatable } : {}), logger });
      const { info, problem, unreachable } = await remote.probe();
      if (unreachable) {
        logger.warn(
          { share: spec.shareId },
          last ? `PDS is unreachable: share ${spec.shareId} is served as the last run knew it ("${last.name}"), from the cache` : `PDS is unreachable: share ${spec.shareId}, never opened before, is named by its id until a start that reaches PDS`,
        );
        return { name: last?.name ?? spec.shareId, remote };
      }
      if (problem) {
        logger.error({ share: spec.shareId, problem }, `share ${spec.shareId} cannot be opened: ${problem}; its directory is there but unreadable`);
      }
      const name = info?.share_name || spec.shareId;
      if (info && !problem) remembered[spec.shareId] = { name, creatable: !remote.capabilities.readOnly };
      return { name, remote };
    }),
  );
  known?.set(KNOWN_KEY, remembered);
  const names = uniqueDirNames(opened.map((o) => o.name));
  return opened.map((o, i) => ({ id: o.remote.volumeId, dirName: names[i]!, kind: 'share' as const, remote: o.remote, readOnly: readOnly || o.remote.capabilities.readOnly }));
}
