// Users, drives, drive membership and applications. A user may use the drives they own and the
// (group) drives they are a member of.
import type { PdsDrive, PdsUser } from '../../pds/wire-types.js';
import type { Sql } from './sql.js';

export interface UserRow {
  user_id: string;
  user_name: string;
  nick_name: string;
  role: PdsUser['role'];
  status: PdsUser['status'];
  default_drive_id: string;
  created_at: number;
  updated_at: number;
}

export interface DriveRow {
  drive_id: number;
  drive_name: string;
  description: string;
  owner: string;
  owner_type: PdsDrive['owner_type'];
  drive_type: string;
  status: PdsDrive['status'];
  used_size: number;
  total_size: number;
  created_at: string;
  updated_at: string;
  creator: string;
}

export interface AppRow {
  client_id: string;
  client_secret: string;
  name: string;
}

export class AccountStore {
  constructor(private readonly sql: Sql) {}

  user(userId: string): UserRow | undefined {
    return this.sql.get<UserRow>('SELECT * FROM users WHERE user_id = ?', userId);
  }

  app(clientId: string): AppRow | undefined {
    return this.sql.get<AppRow>('SELECT * FROM apps WHERE client_id = ?', clientId);
  }

  drive(driveId: string): DriveRow | undefined {
    if (!/^\d{1,15}$/.test(driveId)) return undefined;
    return this.sql.get<DriveRow>('SELECT * FROM drives WHERE drive_id = ?', Number(driveId));
  }

  canUse(user: UserRow, drive: DriveRow): boolean {
    if (drive.owner === user.user_id) return true;
    return !!this.sql.get('SELECT 1 FROM drive_members WHERE drive_id = ? AND user_id = ?', String(drive.drive_id), user.user_id);
  }

  /** The user's own drives (drive/list_my_drives), by drive id, after the given id. */
  ownDrives(userId: string, afterId: number, limit: number): DriveRow[] {
    return this.sql.all<DriveRow>(
      `SELECT * FROM drives WHERE drive_id > ? AND owner_type = 'user' AND owner = ? ORDER BY drive_id LIMIT ?`,
      afterId, userId, limit,
    );
  }

  /** Group (team) drives the user is a member of (drive/list_my_group_drive), by drive id. */
  groupDrivesOf(userId: string, afterId: number, limit: number): DriveRow[] {
    return this.sql.all<DriveRow>(
      `SELECT * FROM drives WHERE drive_id > ? AND owner_type = 'group' AND CAST(drive_id AS TEXT) IN
         (SELECT drive_id FROM drive_members WHERE user_id = ?) ORDER BY drive_id LIMIT ?`,
      afterId, userId, limit,
    );
  }

  /** All drives of the domain, optionally filtered, by drive id. */
  allDrives(afterId: number, limit: number, owner?: string, ownerType?: string): DriveRow[] {
    return this.sql.all<DriveRow>(
      `SELECT * FROM drives WHERE drive_id > ? AND (? IS NULL OR owner = ?) AND (? IS NULL OR owner_type = ?)
       ORDER BY drive_id LIMIT ?`,
      afterId, owner ?? null, owner ?? null, ownerType ?? null, ownerType ?? null, limit,
    );
  }

  /** Bytes still free on the drive (Infinity when total_size is -1). */
  freeBytes(driveId: string): number {
    const d = this.drive(driveId);
    if (!d || d.total_size < 0) return Infinity;
    return d.total_size - d.used_size;
  }

  addUsed(driveId: string, delta: number): void {
    if (delta !== 0) this.sql.run('UPDATE drives SET used_size = MAX(0, used_size + ?) WHERE drive_id = ?', delta, Number(driveId));
  }
}

export function driveView(domainId: string, d: DriveRow): PdsDrive {
  return {
    domain_id: domainId,
    drive_id: String(d.drive_id),
    drive_name: d.drive_name,
    description: d.description,
    owner: d.owner,
    owner_type: d.owner_type,
    drive_type: d.drive_type,
    status: d.status,
    used_size: d.used_size,
    total_size: d.total_size,
    created_at: d.created_at,
    creator: d.creator,
  };
}

export function userView(domainId: string, u: UserRow): PdsUser {
  return {
    domain_id: domainId,
    user_id: u.user_id,
    user_name: u.user_name,
    nick_name: u.nick_name,
    role: u.role,
    status: u.status,
    default_drive_id: u.default_drive_id,
    description: '',
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}
