import { fits } from '../../domain/capacity';
import type { HostState } from '../../domain/rows';
import { hostState } from '../../test/support/host-state';
import { explainRejections, FILTERS, filterHosts } from './filters';
import type { FilterContext, ScheduleRequest } from './request';

const NOW = new Date('2026-01-01T12:00:00Z');
const ctx: FilterContext = { now: NOW, serviceDownTimeMs: 60_000 };

const host = (name: string, over: Partial<HostState> = {}): HostState =>
  hostState(name, { vcpus: 4, memory_mb: 8192, disk_gb: 100, last_seen_at: NOW, ...over });

function request(over: Partial<ScheduleRequest> = {}): ScheduleRequest {
  return {
    instanceUuid: '00000000-0000-4000-8000-000000000001',
    resources: { vcpus: 1, memoryMb: 512, diskGb: 1 },
    ignoreHosts: [],
    maxAttempts: 3,
    ...over,
  };
}

const names = (hosts: HostState[]): string[] => hosts.map((h) => h.name);
const passes = (h: HostState, req: ScheduleRequest = request()): boolean => filterHosts([h], req, ctx).length === 1;

describe('ComputeFilter', () => {
  it('rejects a host silent for longer than service_down_time', () => {
    expect(passes(host('a', { last_seen_at: new Date(NOW.getTime() - 60_001) }))).toBe(false);
  });

  it('keeps a host whose last heartbeat is exactly service_down_time ago', () => {
    expect(passes(host('a', { last_seen_at: new Date(NOW.getTime() - 60_000) }))).toBe(true);
  });

  it('rejects a disabled host', () => {
    expect(passes(host('a', { disabled: true, disabled_reason: 'maintenance' }))).toBe(false);
  });

  it('rejects a host an operator forced down even while it heartbeats', () => {
    expect(passes(host('a', { forced_down: true }))).toBe(false);
  });
});

describe('resource filters', () => {
  it('honours the CPU overcommit ratio: 4 cores × 4.0 hold 16 vCPUs', () => {
    const busy = host('a', { vcpus: 4, cpu_allocation_ratio: 4, used_vcpus: 12 });
    expect(passes(busy, request({ resources: { vcpus: 4, memoryMb: 512, diskGb: 1 } }))).toBe(true);
    expect(passes({ ...busy, used_vcpus: 13 }, request({ resources: { vcpus: 4, memoryMb: 512, diskGb: 1 } }))).toBe(
      false,
    );
  });

  it('honours the RAM ratio on memory left after the reservation', () => {
    // (8192 − 512) × 1.5 = 11520 usable, 8000 used → 3520 free
    const h = host('a', { ram_allocation_ratio: 1.5, used_memory_mb: 8000 });
    expect(passes(h, request({ resources: { vcpus: 1, memoryMb: 3520, diskGb: 1 } }))).toBe(true);
    expect(passes(h, request({ resources: { vcpus: 1, memoryMb: 3521, diskGb: 1 } }))).toBe(false);
  });

  it('honours the disk ratio', () => {
    const h = host('a', { disk_gb: 100, disk_allocation_ratio: 2, used_disk_gb: 150 });
    expect(passes(h, request({ resources: { vcpus: 1, memoryMb: 512, diskGb: 50 } }))).toBe(true);
    expect(passes(h, request({ resources: { vcpus: 1, memoryMb: 512, diskGb: 51 } }))).toBe(false);
  });

  it('keeps reserved memory out of reach on an empty host', () => {
    const h = host('a', { memory_mb: 4096, reserved_memory_mb: 512 });
    expect(passes(h, request({ resources: { vcpus: 1, memoryMb: 3584, diskGb: 1 } }))).toBe(true);
    expect(passes(h, request({ resources: { vcpus: 1, memoryMb: 3585, diskGb: 1 } }))).toBe(false);
  });

  it('rejects a request larger than the physical host whatever the overcommit', () => {
    const roomy = host('a', {
      vcpus: 4,
      cpu_allocation_ratio: 16,
      memory_mb: 4096,
      ram_allocation_ratio: 4,
      disk_gb: 100,
      disk_allocation_ratio: 4,
    });
    expect(passes(roomy, request({ resources: { vcpus: 5, memoryMb: 512, diskGb: 1 } }))).toBe(false);
    expect(passes(roomy, request({ resources: { vcpus: 1, memoryMb: 4097, diskGb: 1 } }))).toBe(false);
    expect(passes(roomy, request({ resources: { vcpus: 1, memoryMb: 512, diskGb: 101 } }))).toBe(false);
    expect(passes(roomy, request({ resources: { vcpus: 4, memoryMb: 4096, diskGb: 100 } }))).toBe(true);
  });

  it('agrees with the claim-time fit check, so a scheduled host can be claimed', () => {
    const cases: Array<[HostState, ScheduleRequest['resources']]> = [
      [host('a', { used_vcpus: 15 }), { vcpus: 1, memoryMb: 1, diskGb: 1 }],
      [host('a', { used_vcpus: 15 }), { vcpus: 2, memoryMb: 1, diskGb: 1 }],
      [host('a', { used_memory_mb: 7000 }), { vcpus: 1, memoryMb: 680, diskGb: 1 }],
      [host('a', { used_memory_mb: 7000 }), { vcpus: 1, memoryMb: 681, diskGb: 1 }],
      [host('a', { used_disk_gb: 99 }), { vcpus: 1, memoryMb: 1, diskGb: 2 }],
    ];
    for (const [h, resources] of cases) expect(passes(h, request({ resources }))).toBe(fits(h, resources));
  });
});

describe('host lists and zones', () => {
  const hosts = [host('a'), host('b', { availability_zone: 'az2' }), host('c')];

  it('drops ignored hosts', () => {
    expect(names(filterHosts(hosts, request({ ignoreHosts: ['a', 'c'] }), ctx))).toEqual(['b']);
  });

  it('keeps only the requested host', () => {
    expect(names(filterHosts(hosts, request({ requestedHost: 'c' }), ctx))).toEqual(['c']);
  });

  it('keeps only hosts in the requested availability zone, or all when none is asked for', () => {
    expect(names(filterHosts(hosts, request({ availabilityZone: 'az2' }), ctx))).toEqual(['b']);
    expect(names(filterHosts(hosts, request(), ctx))).toEqual(['a', 'b', 'c']);
  });
});

describe('explainRejections', () => {
  it('counts each rejected host against the first filter it fails', () => {
    const hosts = [
      host('up'),
      host('down', { last_seen_at: new Date(0) }),
      host('off', { disabled: true, used_memory_mb: 8000 }),
      host('full', { used_memory_mb: 7680 }),
      host('source'),
    ];
    expect(explainRejections(hosts, request({ ignoreHosts: ['source'] }), ctx)).toEqual({
      IgnoreHostsFilter: 1,
      ComputeFilter: 2,
      RamFilter: 1,
    });
  });

  it('names every filter uniquely, so counts cannot merge', () => {
    const filterNames = FILTERS.map((f) => f.name);
    expect(new Set(filterNames).size).toBe(filterNames.length);
  });
});
