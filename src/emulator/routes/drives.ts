// Drives and users: drive/list_my_drives (the user's own drives), drive/list_my_group_drive (team
// drives the user is a member of; official JS SDK), drive/list, drive/get, drive/get_default_drive, user/get.
import type { Paged, PdsDrive, PdsUser } from '../../pds/wire-types.js';
import type { Call, RouteTable } from '../context.js';
import { forbidden, invalidParam, notFound } from '../errors.js';
import { limitParam, optEnum, optString, reqString } from '../params.js';
import { driveView, userView, type DriveRow } from '../store/accounts.js';
import { requireUser, usableDrive } from '../scope.js';

function afterMarker(call: Call): number {
  const marker = optString(call.body, 'marker') ?? '';
  if (marker === '') return 0;
  if (!/^\d{1,15}$/.test(marker)) throw invalidParam('marker');
  return Number(marker);
}

function page(call: Call, fetch: (after: number, limit: number) => DriveRow[]): Paged<PdsDrive> {
  const limit = limitParam(call.body, 100, 100);
  const rows = fetch(afterMarker(call), limit + 1);
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return {
    items: items.map((d) => driveView(call.ctx.seed.domainId, d)),
    next_marker: more ? String(items[items.length - 1]?.drive_id ?? '') : '',
  };
}

function listMyDrives(call: Call): Paged<PdsDrive> {
  const user = requireUser(call);
  return page(call, (after, limit) => call.ctx.accounts.ownDrives(user.user_id, after, limit));
}

function listMyGroupDrives(call: Call): Paged<PdsDrive> {
  const user = requireUser(call);
  return page(call, (after, limit) => call.ctx.accounts.groupDrivesOf(user.user_id, after, limit));
}

function listDrives(call: Call): Paged<PdsDrive> {
  const user = requireUser(call);
  const owner = optString(call.body, 'owner') || undefined;
  const ownerType = optEnum(call.body, 'owner_type', ['user', 'group'] as const);
  if (user.role === 'user') throw forbidden('Drive', 'Only administrators can list all drives; use drive/list_my_drives.');
  return page(call, (after, limit) => call.ctx.accounts.allDrives(after, limit, owner, ownerType));
}

function getDrive(call: Call): PdsDrive {
  return driveView(call.ctx.seed.domainId, usableDrive(call, reqString(call.body, 'drive_id')));
}

function targetUser(call: Call): PdsUser['user_id'] {
  const caller = requireUser(call);
  const userId = optString(call.body, 'user_id') || caller.user_id;
  if (userId !== caller.user_id && caller.role === 'user') throw forbidden('User', 'Only administrators can read other users.');
  return userId;
}

function getDefaultDrive(call: Call): PdsDrive {
  const userId = targetUser(call);
  const user = call.ctx.accounts.user(userId);
  if (!user) throw notFound('User', userId);
  const drive = call.ctx.accounts.drive(user.default_drive_id);
  if (!drive) throw notFound('Drive', user.default_drive_id);
  return driveView(call.ctx.seed.domainId, drive);
}

function getUser(call: Call): PdsUser {
  const userId = targetUser(call);
  const user = call.ctx.accounts.user(userId);
  if (!user) throw notFound('User', userId);
  return userView(call.ctx.seed.domainId, user);
}

export const driveRoutes: RouteTable = {
  '/v2/drive/list_my_drives': { auth: 'user', handle: listMyDrives },
  '/v2/drive/list_my_group_drive': { auth: 'user', handle: listMyGroupDrives },
  '/v2/drive/list': { auth: 'user', handle: listDrives },
  '/v2/drive/get': { auth: 'user', handle: getDrive },
  '/v2/drive/get_default_drive': { auth: 'user', handle: getDefaultDrive },
  '/v2/user/get': { auth: 'user', handle: getUser },
};
