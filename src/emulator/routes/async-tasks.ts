// async_task/get: the state of a background job started by this user (folder copy, recycle-bin clear).
import type { PdsAsyncTask } from '../../pds/wire-types.js';
import type { Call, RouteTable } from '../context.js';
import { notFound } from '../errors.js';
import { reqString } from '../params.js';
import { requireUser } from '../scope.js';

function getTask(call: Call): PdsAsyncTask {
  const user = requireUser(call);
  const id = reqString(call.body, 'async_task_id');
  const task = call.ctx.tasks.get(id, user.user_id);
  if (!task) throw notFound('AsyncTask', id);
  return task;
}

export const asyncTaskRoutes: RouteTable = {
  '/v2/async_task/get': { auth: 'user', handle: getTask },
};
