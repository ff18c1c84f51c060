// First start in an empty data dir: a domain, a development application, one user with a default
// drive, and a team (group) drive the user is a member of. Later starts read the same records back.
import { randomBytes } from 'node:crypto';
import { getMeta, setMeta, type Db } from './db.js';
import { randomAlnum, randomSecret } from '../ids.js';

export interface SeedAccount {
  domainId: string;
  clientId: string;
  clientSecret: string;
  userId: string;
  driveId: string;
  teamDriveId: string;
  /** Signs access/share tokens and data URLs; persisted so they survive a restart. */
  secret: Buffer;
}

export function ensureSeed(db: Db, driveQuotaBytes: number): SeedAccount {
  const existing = getMeta(db, 'seed');
  if (existing) {
    const s = JSON.parse(existing) as Omit<SeedAccount, 'secret'> & { secret: string };
    return { ...s, secret: Buffer.from(s.secret, 'hex') };
  }
  return db.transaction(() => createSeed(db, driveQuotaBytes))();
}

function createSeed(db: Db, quota: number): SeedAccount {
  const nowIso = new Date().toISOString();
  const nowMs = Date.now();
  const domainId = `dev${100 + (randomBytes(1)[0] ?? 0)}`;
  const clientId = randomAlnum(16);
  const clientSecret = randomSecret();
  const userId = randomBytes(16).toString('hex');
  const groupId = `g${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32);

  db.prepare('INSERT INTO apps (client_id, client_secret, name, created_at) VALUES (?, ?, ?, ?)').run(clientId, clientSecret, 'pdsfs-dev', nowIso);
  const insertDrive = db.prepare(
    `INSERT INTO drives (drive_name, description, owner, owner_type, drive_type, status, used_size, total_size, created_at, updated_at, creator)
     VALUES (?, ?, ?, ?, 'normal', 'enabled', 0, ?, ?, ?, ?)`,
  );
  const driveId = String(insertDrive.run('My Drive', 'Personal drive of dev', userId, 'user', quota, nowIso, nowIso, userId).lastInsertRowid);
  const teamDriveId = String(insertDrive.run('Team Drive', 'Shared drive of the dev team', groupId, 'group', quota, nowIso, nowIso, userId).lastInsertRowid);
  db.prepare('INSERT INTO drive_members (drive_id, user_id) VALUES (?, ?)').run(teamDriveId, userId);
  db.prepare(
    `INSERT INTO users (user_id, user_name, nick_name, role, status, default_drive_id, created_at, updated_at)
     VALUES (?, 'dev', 'Developer', 'superadmin', 'enabled', ?, ?, ?)`,
  ).run(userId, driveId, nowMs, nowMs);

  const seed: SeedAccount = { domainId, clientId, clientSecret, userId, driveId, teamDriveId, secret };
  setMeta(db, 'seed', JSON.stringify({ ...seed, secret: secret.toString('hex') }));
  return seed;
}
