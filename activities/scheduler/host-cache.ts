import type { Resources } from '../../domain/capacity';
import type { HostState } from '../../domain/rows';

/** How old the cached hosts may get before they are read again. */
export const HOST_STATE_MAX_AGE_MS = 1000;
/** How old they may be and still rank a request while that read runs: how late a new host is ranked at most. */
export const HOST_STATE_SERVE_STALE_MS = 2 * HOST_STATE_MAX_AGE_MS;

/**
 * The scheduler's view of the hosts between requests, as Nova's HostManager keeps it: read again when older than
 * `maxAgeMs` (concurrent requests share one read; while requests keep coming, the read runs beside them instead of
 * in front of them, up to `serveStaleMs`: the read of 1,000 hosts was the p99 of a busy scheduler) and updated in place by the
 * placements of this process, so back-to-back and concurrent requests see each other without a read. It is only
 * a ranking: the claim checks room, liveness and enablement again under the host's lock, and a request that finds
 * nothing here or in its claim ranks again on a fresh read before answering NoValidHost.
 */
export class HostStateCache {
  private hosts: HostState[] | undefined;
  private byName = new Map<string, HostState>();
  /** When the read behind the cached hosts began. */
  private readAtMs = 0;
  private reading: Promise<HostState[]> | undefined;

  constructor(
    private readonly read: () => Promise<HostState[]>,
    private readonly maxAgeMs = HOST_STATE_MAX_AGE_MS,
    private readonly clock: () => number = Date.now,
    private readonly serveStaleMs = HOST_STATE_SERVE_STALE_MS,
  ) {}

  /**
   * The cached hosts. Older than `maxAgeMs`, they are read again: in the background while they are younger than
   * `serveStaleMs` (a busy scheduler), first otherwise. A host that registered, or one whose state changed
   * elsewhere, is ranked at most `serveStaleMs` late, however long the scheduler idled. Ranking on them is safe
   * either way: the claim checks room under the host's lock.
   */
  async current(): Promise<readonly HostState[]> {
    if (this.hosts === undefined) return this.refresh();
    const ageMs = this.clock() - this.readAtMs;
    if (ageMs <= this.maxAgeMs) return this.hosts;
    if (ageMs > this.serveStaleMs) return this.refresh();
    // A failed read leaves the cached hosts; a request past serveStaleMs then waits for a read and sees its error.
    this.refresh().catch(() => undefined);
    return this.hosts;
  }

  /**
   * A read, installed as the cached hosts. `joinOngoing` false: one that starts now, for a caller that must see
   * every change committed before it asked (a read under way may have begun before).
   */
  refresh(joinOngoing = true): Promise<HostState[]> {
    if (this.reading && joinOngoing) return this.reading;
    const startedMs = this.clock();
    const reading = this.read().then((hosts) => {
      // Two reads may overlap (see joinOngoing): the one that began last wins, whichever ends last.
      if (this.hosts === undefined || startedMs >= this.readAtMs) {
        this.hosts = hosts;
        this.byName = new Map(hosts.map((h) => [h.name, h]));
        this.readAtMs = startedMs;
      }
      return hosts;
    });
    this.reading = reading;
    const done = () => {
      if (this.reading === reading) this.reading = undefined;
    };
    reading.then(done, done);
    return reading;
  }

  /** Reads again now, in the background, once something the ranking uses changed (an operator's service update). */
  invalidate(): void {
    if (this.hosts !== undefined) this.refresh(false).catch(() => undefined);
  }

  /**
   * Counts a placement on the cached host (Nova's consume_from_request) and returns its undo. The undo changes the
   * same object, so it is harmless after a read replaced the cached hosts.
   */
  consume(name: string, want: Resources): () => void {
    const host = this.byName.get(name);
    if (!host) return () => undefined;
    const add = (sign: number) => {
      host.used_vcpus += sign * want.vcpus;
      host.used_memory_mb += sign * want.memoryMb;
      host.used_disk_gb += sign * want.diskGb;
      host.instances += sign;
    };
    add(1);
    return () => add(-1);
  }
}
