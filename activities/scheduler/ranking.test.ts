import type { HostState } from '../../domain/rows';
import { hostState } from '../../test/support/host-state';
import { filterHosts } from './filters';
import { HostRanking } from './ranking';
import type { FilterContext, ScheduleRequest } from './request';
import { weighHosts, type WeightMultipliers } from './weighers';

const NOW = new Date('2026-01-01T12:00:00Z');
const ctx: FilterContext = { now: NOW, serviceDownTimeMs: 60_000 };
const req: ScheduleRequest = {
  instanceUuid: '00000000-0000-4000-8000-000000000001',
  resources: { vcpus: 1, memoryMb: 1024, diskGb: 10 },
  ignoreHosts: ['h007'],
  maxAttempts: 3,
};

/** A fleet of uneven hosts, the same every run, some of them full or down. */
function fleet(size: number): HostState[] {
  let seed = 7;
  const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
  return Array.from({ length: size }, (_, i) => {
    const n = next(16);
    return hostState(`h${String(size - i).padStart(3, '0')}`, {
      last_seen_at: next(20) === 0 ? new Date(0) : NOW,
      used_vcpus: n,
      used_memory_mb: n * 1024 + next(3) * 512,
      used_disk_gb: n * 10 + next(5),
      instances: n,
    });
  });
}

const names = (hosts: readonly HostState[]) => hosts.map((h) => h.name);
const fullOrder = (hosts: HostState[], multipliers?: Partial<WeightMultipliers>) =>
  names(weighHosts(filterHosts(hosts, req, ctx), req, multipliers));

function place(host: HostState): void {
  host.used_vcpus += req.resources.vcpus;
  host.used_memory_mb += req.resources.memoryMb;
  host.used_disk_gb += req.resources.diskGb;
}

describe('HostRanking', () => {
  it.each([1, 3, 16, 200])('gives the first %i hosts of the full weighed order', (limit) => {
    const hosts = fleet(200);
    expect(names(new HostRanking(hosts, req, ctx).best(limit))).toEqual(fullOrder(hosts).slice(0, limit));
  });

  it('counts only the hosts that pass the filters', () => {
    const hosts = fleet(200);
    expect(new HostRanking(hosts, req, ctx).size).toBe(filterHosts(hosts, req, ctx).length);
  });

  it.each([
    ['spreading', undefined],
    ['stacking', { ram: -1, cpu: -1, disk: -1 }],
    ['with one weigher off', { ram: 0 }],
  ])('ranks placements one after another as a fresh ranking of each would, %s', (_how, multipliers) => {
    const hosts = fleet(60);
    const ranking = new HostRanking(hosts, req, ctx, multipliers);
    for (let n = 0; n < 120 && ranking.size > 0; n++) {
      expect(names(ranking.best(4))).toEqual(fullOrder(hosts, multipliers).slice(0, 4));
      const [best] = ranking.best(1);
      place(best!);
      ranking.rejudge(best!);
    }
    expect(ranking.size).toBe(filterHosts(hosts, req, ctx).length);
  });

  it('drops a host once a placement leaves it no room', () => {
    const hosts = [
      hostState('a', { last_seen_at: NOW, used_memory_mb: 14_848 }),
      hostState('b', { last_seen_at: NOW }),
    ];
    const ranking = new HostRanking(hosts, req, ctx);
    place(hosts[0]!);
    ranking.rejudge(hosts[0]!);
    expect(names(ranking.best(5))).toEqual(['b']);
    expect(ranking.size).toBe(1);
  });
});
