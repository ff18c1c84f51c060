// Share links, owner side (create, list, update, cancel) and the anonymous view (info), over the running app:
// PATHs are namespace paths ("drives/My Drive/photos") resolved through the VFS.
import { DriveRemote } from '../pds/drive-remote.js';
import type { CreateShareLinkRequest } from '../pds/api-shares.js';
import type { PdsClient } from '../pds/client.js';
import type { PdsShareAnonymous, PdsShareLink } from '../pds/wire-types.js';
import type { VfsAdmin } from '../vfs/admin.js';
import type { Vfs } from '../vfs/types.js';
import { parseShareSpec } from './volumes.js';
import { ShareCommandError } from './errors.js';
import { parseExpire } from './expiry.js';

/** What the share commands use of the running app: the VFS to find paths, the client for the links. */
export interface ShareCommandContext {
  vfs: Pick<Vfs, 'stat'>;
  admin: Pick<VfsAdmin, 'locate'>;
  client: PdsClient;
}

/** What create and update may set; absent means "leave as is" (create: the service's default). */
export interface ShareSettings {
  password?: string;
  /** Duration, RFC 3339 time or "never" (see expiry.ts). */
  expire?: string;
  name?: string;
  description?: string;
  /** Recipients may upload into the shared folders. */
  creatable?: boolean;
}

type LinkFields = Omit<CreateShareLinkRequest, 'drive_id' | 'file_id_list'>;

const PASSWORD = /^[\x21-\x7e]{0,64}$/;

function linkFields(s: ShareSettings, now: number): LinkFields {
  if (s.password !== undefined && !PASSWORD.test(s.password)) {
    throw new ShareCommandError('--password: up to 64 visible ASCII characters (no spaces)');
  }
  return {
    ...(s.password !== undefined ? { share_pwd: s.password } : {}),
    ...(s.expire !== undefined ? { expiration: parseExpire(s.expire, now) } : {}),
    ...(s.name !== undefined ? { share_name: s.name } : {}),
    ...(s.description !== undefined ? { description: s.description } : {}),
    ...(s.creatable !== undefined ? { creatable: s.creatable } : {}),
  };
}

/** "drives/My Drive/x" and "/drives/My Drive/x" name the same place. */
export function namespacePath(p: string): string {
  const trimmed = p.trim().replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * A drive folder or file at a namespace path, with the drive it is in, for `forChange` (what is then
 * done to it on PDS by id): after the changes made offline that wait for their replay, so that a
 * folder made offline is shared or saved into under its PDS id (VfsAdmin.locate).
 */
export async function locateInDrive(app: ShareCommandContext, path: string, forChange: string): Promise<{ drive: DriveRemote; driveName: string; id: string; kind: 'file' | 'dir' }> {
  const at = await app.admin.locate(namespacePath(path), { forChange });
  if (!(at.volume.remote instanceof DriveRemote)) throw new ShareCommandError(`${path}: not in a drive (paths look like "drives/<drive>/<folder>")`);
  if (at.pending) throw new ShareCommandError(`${path}: not uploaded yet`);
  return { drive: at.volume.remote, driveName: at.volume.dirName, id: at.id, kind: at.kind };
}

export async function createShare(app: ShareCommandContext, paths: readonly string[], settings: ShareSettings, now = Date.now()): Promise<PdsShareLink> {
  if (paths.length === 0) throw new ShareCommandError('name at least one PATH to share');
  if (paths.length > 100) throw new ShareCommandError('a share link holds at most 100 PATHs; share their folder instead');
  const fields = linkFields(settings, now);
  const items = [];
  for (const p of paths) {
    const item = await locateInDrive(app, p, 'sharing');
    if (item.id === item.drive.rootId) throw new ShareCommandError(`${p}: a whole drive cannot be shared; share folders inside it`);
    items.push({ ...item, path: p });
  }
  const first = items[0]!;
  const other = items.find((i) => i.drive.driveId !== first.drive.driveId);
  if (other) throw new ShareCommandError(`all PATHs must be in one drive: ${first.path} is in "${first.driveName}", ${other.path} in "${other.driveName}"`);
  return app.client.shareLinks.create({ drive_id: first.drive.driveId, file_id_list: items.map((i) => i.id), ...fields });
}

export async function listShares(app: ShareCommandContext, includeCancelled: boolean): Promise<PdsShareLink[]> {
  const links: PdsShareLink[] = [];
  for await (const link of app.client.shareLinks.iterate({ include_cancelled: includeCancelled })) links.push(link);
  return links;
}

/** The anonymous view, with the id it was asked for; with "ID:PASSWORD" the password is checked too (a wrong one fails). */
export async function shareInfo(app: ShareCommandContext, spec: string): Promise<PdsShareAnonymous & { share_id: string }> {
  const { shareId, password } = parseShareSpec(spec);
  const info = await app.client.shareLinks.getByAnonymous(shareId);
  if (password !== undefined) await app.client.shareLinks.getShareToken({ share_id: shareId, share_pwd: password });
  return { share_id: shareId, ...info };
}

export async function updateShare(app: ShareCommandContext, shareId: string, settings: ShareSettings, now = Date.now()): Promise<PdsShareLink> {
  const fields = linkFields(settings, now);
  if (Object.keys(fields).length === 0) throw new ShareCommandError('nothing to change: give --password, --expire, --name, --description or --creatable');
  return app.client.shareLinks.update({ share_id: shareId, ...fields });
}

export async function cancelShare(app: ShareCommandContext, shareId: string): Promise<void> {
  await app.client.shareLinks.cancel(shareId);
}
