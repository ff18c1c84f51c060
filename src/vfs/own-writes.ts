// Own writes as the change feed must see them. PDS serves a feed page with the changes made up to
// the moment it serves it (docs/pds-wire-protocol.md, Change feed), so a page asked for before an
// own write landed may hold an older state of the node written; applied after the write, it would
// show that older state until the next poll. Writes are counted: a page notes the count when it is
// asked for, and a page holding a node written since is not applied (the poller reads it again).
// Nodes are noted only while a feed pass runs: outside one, no page asked for earlier is still to
// be applied, so a write needs only the count.

export class OwnWrites {
  private count = 0;
  private passes = 0;
  /** Node key → the count of its last own write, during feed passes. */
  private readonly written = new Map<string, number>();
  /**
   * Per volume whose feed is polled, the nodes written since its last feed pass began (takeRecent).
   * A volume without a feed (a share link) has no passes and no entry: nothing would take its nodes.
   */
  private readonly recent = new Map<string, Set<string>>();

  /** An own change of the node landed in the cache (after PDS answered it). */
  wrote(volumeId: string, id: string): void {
    this.count++;
    if (this.passes > 0) this.written.set(key(volumeId, id), this.count);
    this.recent.get(volumeId)?.add(id);
  }

  /**
   * The nodes of a volume written since its previous feed pass began, as its next pass
   * begins; from a volume's first pass on, its writes are kept. Their own changes may come in this
   * pass after older changes of theirs (each change carries its node as it was then), pages apart:
   * the pass holds such nodes back to its end (change-poller.ts).
   */
  takeRecent(volumeId: string): ReadonlySet<string> {
    const nodes = this.recent.get(volumeId) ?? new Set<string>();
    this.recent.set(volumeId, new Set());
    return nodes;
  }

  /** What a feed page asked for now notes: the nodes written up to it are in it. */
  get now(): number {
    return this.count;
  }

  /** Whether any node was written after `asOf` (cheap: nothing else need be asked when not). */
  anySince(asOf: number): boolean {
    return this.count !== asOf && this.written.size > 0;
  }

  /** Whether the node was written after `asOf` (so a page asked for then may hold an older state of it). */
  writtenSince(volumeId: string, id: string, asOf: number): boolean {
    return (this.written.get(key(volumeId, id)) ?? 0) > asOf;
  }

  /** Runs a feed pass: the nodes written meanwhile are noted, and forgotten once no pass runs. */
  async during<T>(pass: () => Promise<T>): Promise<T> {
    this.passes++;
    try {
      return await pass();
    } finally {
      if (--this.passes === 0) this.written.clear();
    }
  }
}

function key(volumeId: string, id: string): string {
  return `${volumeId}\u0000${id}`;
}
