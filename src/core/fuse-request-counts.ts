// What the FUSE front-end counts of the requests it was sent: the mount reports them, the daemon's
// status shows them (two peers of one layer, so the shape lives here).

/** FUSE requests answered so far: by JS (per op), and those the binding answered itself. */
export interface FuseRequestCounts {
  byJs: Record<string, number>;
  getattrInBinding: number;
  /** getattrs of names a folder made through the mount does not hold, answered ENOENT by the binding. */
  enoentInBinding: number;
  /** chmods to the mode a file already has, answered by the binding. */
  chmodInBinding: number;
  /** Read-only opens of files JS described less than ATTR_CACHE_TTL_SEC before, answered by the binding (fuse/native-binding.ts). */
  openInBinding: number;
  /** Releases of such handles JS never used, answered by the binding. */
  releaseInBinding: number;
  /** Such handles JS opened at their first use (a read, or an unlink while open). */
  lazyOpensAdopted: number;
}
