// The Remote contract on ShareRemote: a read-only link and a creatable one over a folder of the
// sharing drive, on the local PDS server.
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { ShareRemote } from '../../src/pds/share-remote.js';
import { defineRemoteContract } from '../contract/remote-contract.js';
import { startPds } from './fixture.js';

const pds = await startPds();

for (const creatable of [false, true]) {
  defineRemoteContract(creatable ? 'ShareRemote, creatable link' : 'ShareRemote, read-only link', async () => {
    const owner = new DriveRemote(pds.client, pds.driveId);
    const home = await owner.createDir('root', creatable ? 'shared-creatable' : 'shared-read-only');
    const link = await pds.client.shareLinks.create({ drive_id: pds.driveId, file_id_list: [home.id], share_pwd: 'contractPwd', creatable });
    const remote = new ShareRemote(pds.client, link.share_id, { password: 'contractPwd', creatable });
    return {
      remote,
      owner,
      home: home.id,
      writes: creatable ? 'add' : 'none',
      volumeId: `share:${link.share_id}`,
      capabilities: { readOnly: !creatable, serverSideCopy: true, maxNameBytes: 1024, changeFeed: false },
      other: new DriveRemote(pds.client, pds.account.team_drive_id),
      space: creatable ? { total: Infinity, used: 0, free: Infinity } : { total: 0, used: 0, free: 0 },
      close: async () => undefined,
    };
  });
}
