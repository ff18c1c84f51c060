// The /v2 route table: path → auth requirement and handler.
import type { RouteTable } from './context.js';
import { asyncTaskRoutes } from './routes/async-tasks.js';
import { copyRoutes } from './routes/copy.js';
import { deltaRoutes } from './routes/delta.js';
import { driveRoutes } from './routes/drives.js';
import { fileCreateRoutes } from './routes/files-create.js';
import { fileModifyRoutes } from './routes/files-modify.js';
import { fileReadRoutes } from './routes/files-read.js';
import { oauthRoutes } from './routes/oauth.js';
import { recyclebinRoutes } from './routes/recyclebin.js';
import { revisionRoutes } from './routes/revisions.js';
import { shareLinkRoutes } from './routes/share-links.js';
import { uploadSessionRoutes } from './routes/upload-session.js';

export const ROUTES: RouteTable = {
  ...oauthRoutes,
  ...driveRoutes,
  ...fileReadRoutes,
  ...fileCreateRoutes,
  ...uploadSessionRoutes,
  ...fileModifyRoutes,
  ...copyRoutes,
  ...recyclebinRoutes,
  ...revisionRoutes,
  ...deltaRoutes,
  ...asyncTaskRoutes,
  ...shareLinkRoutes,
};
