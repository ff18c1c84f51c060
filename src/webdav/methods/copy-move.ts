// COPY and MOVE (RFC 4918 §9.8-9.9): Destination decoded like a request URL (another host → 502),
// Overwrite defaults to T and F onto an existing resource gives 412, COPY honours Depth 0 or
// infinity, and the work is one server-side vfs.copy / vfs.rename through the single FileSystem,
// also across drives. Dead properties and Finder files follow; locks stay behind (§7.5).
import * as dav from 'webdav-server/lib/index.v2.js';
import { assertWritable, type DavHandler, type DavRequest, type DavServices, headerOf } from '../dav-method.js';
import { HttpError } from '../http-error.js';
import { isSidecarName } from '../finder-files.js';
import { checkPreconditions, type Changes } from '../lock-guard.js';
import { BadPathError, baseName, isWithin, parentOf, parseDestination } from '../request-path.js';

export const copy: DavHandler = (r, s) => transfer(r, s, 'copy');
export const move: DavHandler = (r, s) => transfer(r, s, 'move');

async function transfer(r: DavRequest, s: DavServices, kind: 'copy' | 'move'): Promise<void> {
  assertWritable(s);
  const to = destinationOf(r);
  const overwrite = parseOverwrite(headerOf(r.req, 'overwrite'));
  const depth = headerOf(r.req, 'depth')?.trim().toLowerCase() ?? 'infinity';
  const src = await s.resources.requested(r.ctx, r.path);
  if (!src) throw new HttpError(404, 'not found');
  const deep = depth === 'infinity';
  // A collection MOVE is always the whole subtree; COPY takes 0 or infinity; files ignore Depth.
  if (src.isDir && !(deep || (kind === 'copy' && depth === '0'))) {
    throw new HttpError(400, `${kind.toUpperCase()} of a collection does not take Depth: ${depth}`);
  }
  if (to === r.path) throw new HttpError(403, 'source and destination are the same');
  if (src.isDir && isWithin(to, r.path)) throw new HttpError(403, 'a collection cannot go inside itself');
  const dest = await s.resources.stat(to);
  if (dest && !overwrite) throw new HttpError(412, 'the destination exists and Overwrite is F');

  const changes: Changes = {
    resources: [{ path: to, deep: true }, ...(kind === 'move' ? [{ path: r.path, deep: true }] : [])],
    members: [parentOf(to), ...(kind === 'move' ? [parentOf(r.path)] : [])],
  };
  await checkPreconditions(r, s, changes);

  const localSource = src.source === 'sidecar';
  if (localSource !== isSidecarName(baseName(to)) || src.source === 'finder-virtual' || src.source === 'placeholder') {
    throw new HttpError(403, 'Finder-local files and remote files cannot be turned into each other');
  }
  if (!localSource) {
    try {
      if (kind === 'move') await s.fs.moveTo(r.ctx, r.path, to, overwrite);
      else await s.fs.copyTo(r.ctx, r.path, to, overwrite, deep ? -1 : 0);
    } catch (err) {
      if (err === dav.Errors.ResourceAlreadyExists) throw new HttpError(412, 'the destination exists and Overwrite is F');
      throw err;
    }
  } else if (!(await s.resources.stat(parentOf(to)))?.isDir) {
    throw new HttpError(409, 'the destination collection does not exist');
  }
  if (kind === 'move') {
    s.store.moveTree(r.path, to);
    s.locks.dropUnder(r.path);
  } else {
    s.store.copyTree(r.path, to, deep);
  }
  r.res.statusCode = dest ? 204 : 201;
  r.res.end();
}

function destinationOf(r: DavRequest): string {
  const header = headerOf(r.req, 'destination');
  if (!header) throw new HttpError(400, 'missing Destination header');
  try {
    const target = parseDestination(header, r.req.headers.host);
    if (!target) throw new HttpError(502, 'the destination is on another server');
    return target.path;
  } catch (err) {
    if (err instanceof BadPathError) throw new HttpError(400, `bad Destination: ${err.message}`);
    throw err;
  }
}

function parseOverwrite(value: string | undefined): boolean {
  const v = value?.trim().toUpperCase();
  if (v === undefined || v === 'T') return true;
  if (v === 'F') return false;
  throw new HttpError(400, 'Overwrite must be T or F');
}
