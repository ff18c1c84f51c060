// MKCOL and DELETE, through webdav-server's FileSystem (existence and parent checks) onto the Vfs.
// MKCOL: 415 with a body, 405 when something exists, 409 without a parent collection.
// DELETE: always the whole subtree (to the recycle bin unless --delete-permanently); the local
// dead properties, Finder files and locks below the path go with it.
import * as dav from 'webdav-server/lib/index.v2.js';
import { assertWritable, type DavHandler, hasBody, headerOf, readBody } from '../dav-method.js';
import { HttpError } from '../http-error.js';
import { isSidecarName, isVirtualName } from '../finder-files.js';
import { checkPreconditions } from '../lock-guard.js';
import { baseName, parentOf } from '../request-path.js';

export const mkcol: DavHandler = async (r, s) => {
  assertWritable(s);
  if (hasBody(r.req)) {
    await readBody(r.req, 64 * 1024).catch(() => undefined);
    throw new HttpError(415, 'MKCOL with a body is not supported');
  }
  const name = baseName(r.path);
  if (r.path === '/' || isSidecarName(name) || isVirtualName(name)) throw new HttpError(403, 'this name is reserved');
  if (await s.resources.requested(r.ctx, r.path)) throw new HttpError(405, 'the collection already exists');
  await checkPreconditions(r, s, { resources: [{ path: r.path, deep: false }], members: [parentOf(r.path)] });
  try {
    await s.fs.mkcol(r.ctx, r.path);
  } catch (err) {
    if (err === dav.Errors.ResourceAlreadyExists) throw new HttpError(405, 'the collection already exists');
    throw err;
  }
  r.res.statusCode = 201;
  r.res.end();
};

export const del: DavHandler = async (r, s) => {
  assertWritable(s);
  const depth = headerOf(r.req, 'depth')?.trim().toLowerCase();
  if (depth !== undefined && depth !== 'infinity') throw new HttpError(400, 'DELETE acts on the whole subtree (Depth: infinity)');
  if (r.path === '/') throw new HttpError(403, 'the root cannot be deleted');
  const existing = await s.resources.requested(r.ctx, r.path);
  if (!existing) throw new HttpError(404, 'not found');
  if (existing.source === 'finder-virtual') throw new HttpError(403, 'this file is virtual');
  await checkPreconditions(r, s, { resources: [{ path: r.path, deep: true }], members: [parentOf(r.path)] });
  if (existing.source === 'vfs') await s.fs.remove(r.ctx, r.path);
  s.store.removeTree(r.path);
  s.locks.dropUnder(r.path);
  r.res.statusCode = 204;
  r.res.end();
};
