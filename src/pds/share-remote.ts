// ShareRemote: a share link as a read-only Remote (file/list, get, get_download_url with share_id
// and x-share-token). The only write is a server-side copy out of the share into a drive.
import type { Remote, RemoteCapabilities, RemoteEntry, SpaceInfo } from '../vfs/remote.js';
import { VfsError } from '../vfs/errors.js';
import type { PdsClient } from './client.js';
import { ScopedRemote } from './remote-base.js';
import { DriveRemote } from './drive-remote.js';

export interface ShareRemoteOptions {
  /** Share password, when the link has one. */
  password?: string;
  /** Default "share:<shareId>". */
  volumeId?: string;
}

const readOnly = (..._args: unknown[]): Promise<never> => Promise.reject(new VfsError('EROFS', 'share links are read-only'));

export class ShareRemote extends ScopedRemote implements Remote {
  readonly volumeId: string;
  readonly capabilities: RemoteCapabilities = { readOnly: true, serverSideCopy: true, maxNameBytes: 1024, changeFeed: false };

  constructor(client: PdsClient, readonly shareId: string, opts: ShareRemoteOptions = {}) {
    super(client, { share_id: shareId });
    this.volumeId = opts.volumeId ?? `share:${shareId}`;
    client.useSharePassword(shareId, opts.password);
  }

  createDir = readOnly;
  upload = readOnly;
  update = readOnly;
  move = readOnly;
  trash = readOnly;
  delete = readOnly;

  /** Saves a shared file or folder into a drive (needs that drive's credentials on the same client). */
  copy(id: string, newParentId: string, newName: string, to?: Remote): Promise<RemoteEntry> {
    if (!(to instanceof DriveRemote)) return readOnly();
    return this.guard(async () => {
      const r = await this.client.files.copy({ share_id: this.shareId, file_id: id, to_drive_id: to.driveId, to_parent_file_id: newParentId, new_name: newName, auto_rename: false });
      if (r.exist) throw new VfsError('EEXIST', `${newName} already exists`);
      await this.client.tasks.settle(r);
      return to.get(r.file_id);
    });
  }

  /** A share has no quota of its own: nothing is writable. */
  async statfs(): Promise<SpaceInfo> {
    return { total: 0, used: 0, free: 0 };
  }
}
