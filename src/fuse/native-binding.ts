// Loads fuse-native with a working utimens. Its 2.2.6 binary hands utimens the access time in both
// time arguments (fuse-native.c passes l->atime twice), so no mtime set through a mount (rsync's,
// cp -p's, touch's) would reach the VFS, and every `rsync -a` would copy everything again. We compile
// the package's own C source with that one line fixed, once per machine and source (cc, Node's
// headers and libfuse2; under a second), and point node-gyp-build at it through FUSE_NATIVE_PREBUILD.
// The same build also answers getxattr outside the user.* namespace (the security.selinux and
// system.posix_acl_* that ls -l asks for on every entry) with ENODATA in C, without a round trip
// through JavaScript: pdsfs has only user.pds.* attributes.
// Without a compiler we fall back to the shipped binary and say that mtimes cannot be set.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import type FuseClass from 'fuse-native';
import type { Logger } from '../shared/logger.js';

const run = promisify(execFile);
const GETXATTR_LINUX = 'FUSE_METHOD(getxattr, 4, 1, (const char *path, const char *name, char *value, size_t size), {';
/** Changes to fuse-native.c, each applied where its text occurs exactly once. */
const PATCHES: readonly { find: string; replace: string }[] = [
  { find: 'FUSE_UINT64_TO_INTS_ARGV(l->atime, 5)', replace: 'FUSE_UINT64_TO_INTS_ARGV(l->mtime, 5)' },
  { find: '#include <string.h>', replace: '#include <string.h>\n#include <errno.h>' },
  { find: GETXATTR_LINUX, replace: `${GETXATTR_LINUX}\n  if (strncmp(name, "user.", 5) != 0) return -ENODATA;` },
];

export interface FuseBinding {
  Fuse: typeof FuseClass;
  /** utimens receives the real mtime (false only with the unpatched binary). */
  mtimeSupported: boolean;
}

/** Builds (or reuses) the fixed binding under buildRoot, then loads fuse-native. Call before any other import of it. */
export async function loadFuse(buildRoot: string, logger: Logger): Promise<FuseBinding> {
  let mtimeSupported = true;
  if (!process.env.FUSE_NATIVE_PREBUILD) {
    try {
      const dir = await buildFixedBinding(buildRoot, logger);
      if (dir) process.env.FUSE_NATIVE_PREBUILD = dir;
    } catch (err) {
      mtimeSupported = false;
      logger.warn({ err }, 'cannot build the fixed fuse-native binding (needs cc, Node headers, libfuse2); mtimes set through the mount will not be stored');
    }
  }
  const { default: Fuse } = await import('fuse-native');
  return { Fuse, mtimeSupported };
}

/** Directory holding build/Release/fuse.node, or undefined when the installed source has no bug to fix. */
async function buildFixedBinding(buildRoot: string, logger: Logger): Promise<string | undefined> {
  const fromHere = createRequire(import.meta.url);
  const pkgDir = path.dirname(fromHere.resolve('fuse-native/package.json'));
  const source = await fs.readFile(path.join(pkgDir, 'fuse-native.c'), 'utf8');
  const applicable = PATCHES.filter((p) => source.split(p.find).length === 2);
  if (applicable.length === 0) return undefined;
  const fixed = applicable.reduce((text, p) => text.replace(p.find, p.replace), source);

  const key = createHash('sha256').update(fixed).update(process.platform + process.arch).digest('hex').slice(0, 16);
  const dir = path.join(buildRoot, key);
  const out = path.join(dir, 'build', 'Release', 'fuse.node');
  if (await exists(out)) return dir;

  const fromFuse = createRequire(path.join(pkgDir, 'package.json'));
  const sharedLib = path.dirname(fromFuse.resolve('fuse-shared-library/package.json'));
  const fromShared = createRequire(path.join(sharedLib, 'package.json'));
  const libfuseDir = path.join(path.dirname(fromShared.resolve(`fuse-shared-library-${process.platform}/package.json`)), 'libfuse');
  const napiMacros = path.dirname(fromFuse.resolve('napi-macros/package.json'));
  const nodeHeaders = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');

  await fs.mkdir(path.dirname(out), { recursive: true });
  // Unique temporaries and a final rename: two mounts starting at once both end with a whole file.
  const tmpSource = path.join(dir, `fuse-native.${process.pid}.c`);
  const tmpOut = `${out}.${process.pid}.tmp`;
  await fs.writeFile(tmpSource, fixed);
  try {
    await run('cc', [
      '-shared', '-fPIC', '-O2', '-D_FILE_OFFSET_BITS=64',
      `-I${nodeHeaders}`, `-I${napiMacros}`, `-I${path.join(libfuseDir, 'include')}`,
      tmpSource, '-o', tmpOut, path.join(libfuseDir, 'lib', 'libfuse.so'), '-lpthread',
    ]);
    await fs.rename(tmpOut, out);
    logger.info({ dir }, 'built the fixed fuse-native binding');
  } finally {
    await fs.rm(tmpSource, { force: true });
    await fs.rm(tmpOut, { force: true });
  }
  return dir;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}
