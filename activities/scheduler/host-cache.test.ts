import type { HostState } from '../../domain/rows';
import { HostStateCache } from './host-cache';

function host(name: string): HostState {
  return { name } as HostState;
}

describe('HostStateCache', () => {
  let now: number;
  let inDatabase: HostState[];
  let reads: number;
  let cache: HostStateCache;

  beforeEach(() => {
    now = 0;
    inDatabase = [host('host-a')];
    reads = 0;
    cache = new HostStateCache(
      async () => {
        reads++;
        return inDatabase.map((h) => ({ ...h }));
      },
      1000,
      () => now,
    );
  });

  const names = async () => (await cache.current()).map((h) => h.name);

  it('answers from the cache while it is younger than its max age', async () => {
    expect(await names()).toEqual(['host-a']);
    inDatabase = [host('host-a'), host('host-b')];
    now = 1000;
    expect(await names()).toEqual(['host-a']);
    expect(reads).toBe(1);
  });

  it('ranks a host that registered while the scheduler idled on the first request after the max age', async () => {
    expect(await names()).toEqual(['host-a']);
    inDatabase = [host('host-a'), host('host-b')];
    now = 60_000;
    expect(await names()).toEqual(['host-a', 'host-b']);
  });

  it('ranks on the cached hosts while a read runs beside them, when they are past the max age but busy', async () => {
    expect(await names()).toEqual(['host-a']);
    inDatabase = [host('host-a'), host('host-b')];
    now = 1500;
    expect(await names()).toEqual(['host-a']);
    expect(reads).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await names()).toEqual(['host-a', 'host-b']);
    expect(reads).toBe(2);
  });

  it('waits for a read once the cached hosts are past the stale limit', async () => {
    expect(await names()).toEqual(['host-a']);
    inDatabase = [host('host-a'), host('host-b')];
    now = 2001;
    expect(await names()).toEqual(['host-a', 'host-b']);
  });

  it('keeps ranking on the cached hosts when a background read fails, and fails once past the stale limit', async () => {
    let failing = false;
    const flaky = new HostStateCache(
      async () => {
        if (failing) throw new Error('database down');
        return inDatabase.map((h) => ({ ...h }));
      },
      1000,
      () => now,
    );
    const flakyNames = async () => (await flaky.current()).map((h) => h.name);
    expect(await flakyNames()).toEqual(['host-a']);
    failing = true;
    now = 1500;
    expect(await flakyNames()).toEqual(['host-a']);
    await new Promise((resolve) => setImmediate(resolve));
    now = 2500;
    await expect(flaky.current()).rejects.toThrow('database down');
  });

  it('lets concurrent requests on a stale cache share one read', async () => {
    await names();
    now = 5000;
    await Promise.all([names(), names(), names()]);
    expect(reads).toBe(2);
  });
});
