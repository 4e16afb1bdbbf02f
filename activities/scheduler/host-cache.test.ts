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

  it('lets concurrent requests on a stale cache share one read', async () => {
    await names();
    now = 5000;
    await Promise.all([names(), names(), names()]);
    expect(reads).toBe(2);
  });
});
