/**
 * Per-instance cache of built metadata documents. An entry is served only while the instance's row version (one
 * primary-key lookup per request) is the one it was built from, and for at most `expirationMs` (Nova's
 * metadata_cache_expiration; it also bounds how long a change outside the row, like a host's zone, takes to show).
 * Concurrent misses for one instance version share one load: cloud-init asks for many paths at once on boot.
 */
export interface Versioned<T> {
  value: T;
  version: string;
}

interface Entry<T> extends Versioned<T> {
  loadedAtMs: number;
}

export class VersionedCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly loading = new Map<string, Promise<Versioned<T> | null>>();

  constructor(
    private readonly opts: {
      expirationMs: number;
      maxEntries: number;
      now?: () => number;
    },
  ) {}

  /** The cached value when it was built from `version` and has not expired; otherwise `load`'s, cached. */
  async get(key: string, version: string, load: () => Promise<Versioned<T> | null>): Promise<T | null> {
    const now = this.opts.now?.() ?? Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.version === version && now - entry.loadedAtMs < this.opts.expirationMs) return entry.value;
    // Only requests that saw the same version share a load: a load begun before a change may miss it.
    const loadKey = `${key}@${version}`;
    let pending = this.loading.get(loadKey);
    if (!pending) {
      pending = load().finally(() => this.loading.delete(loadKey));
      this.loading.set(loadKey, pending);
    }
    const loaded = await pending;
    if (!loaded) {
      this.entries.delete(key);
      return null;
    }
    if (this.opts.expirationMs > 0) this.put(key, { ...loaded, loadedAtMs: now });
    return loaded.value;
  }

  /** Forgets an instance (deleted, or asked for by the wrong project). */
  evict(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private put(key: string, entry: Entry<T>): void {
    // Re-inserting moves the key to the end, so the first key is the one least recently loaded.
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
