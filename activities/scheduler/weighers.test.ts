import type { HostState } from '../../domain/rows';
import { hostState } from '../../test/support/host-state';
import type { ScheduleRequest } from './request';
import { hostWeights, weighHosts } from './weighers';

const host = (name: string, over: Partial<HostState> = {}): HostState =>
  hostState(name, { last_seen_at: new Date('2026-01-01T00:00:00Z'), ...over });

const req: ScheduleRequest = {
  instanceUuid: '00000000-0000-4000-8000-000000000001',
  resources: { vcpus: 1, memoryMb: 1024, diskGb: 10 },
  ignoreHosts: [],
  maxAttempts: 3,
};

/** A host with `n` of the request's instances on it. */
const loaded = (name: string, n: number): HostState =>
  host(name, { used_vcpus: n, used_memory_mb: n * 1024, used_disk_gb: n * 10, instances: n });

const names = (hosts: HostState[]): string[] => hosts.map((h) => h.name);

describe('normalisation of a weigher (RAM alone)', () => {
  const ramOnly = { cpu: 0, disk: 0 };
  const freeRam = (name: string, usedMb: number) => host(name, { used_memory_mb: usedMb });

  it('maps the minimum to 0 and the maximum to 1', () => {
    const hosts = [freeRam('a', 10_240), freeRam('b', 0), freeRam('c', 5_120)];
    expect(hostWeights(hosts, req, ramOnly)).toEqual([0, 1, 0.5]);
  });

  it('gives every host 0 when all values are equal', () => {
    const hosts = [freeRam('a', 2_048), freeRam('b', 2_048), freeRam('c', 2_048)];
    expect(hostWeights(hosts, req, ramOnly)).toEqual([0, 0, 0]);
  });
});

describe('weighHosts', () => {
  it('spreads: the emptiest host comes first, the fullest last', () => {
    const order = weighHosts([loaded('mid', 3), loaded('full', 6), loaded('empty', 0)], req);
    expect(names(order)).toEqual(['empty', 'mid', 'full']);
  });

  it('normalises each weigher, so a huge raw value cannot outvote two smaller wins', () => {
    const ramRich = host('ram-rich', { memory_mb: 1_000_000, used_vcpus: 30, used_disk_gb: 190 });
    const cpuAndDisk = host('cpu-and-disk', { used_vcpus: 0, used_disk_gb: 0 });
    expect(hostWeights([ramRich, cpuAndDisk], req)).toEqual([1, 2]);
    expect(names(weighHosts([ramRich, cpuAndDisk], req))).toEqual(['cpu-and-disk', 'ram-rich']);
  });

  it('breaks ties by host name, whatever the input order', () => {
    const tied = [host('c'), host('a'), host('b')];
    expect(names(weighHosts(tied, req))).toEqual(['a', 'b', 'c']);
    expect(names(weighHosts([...tied].reverse(), req))).toEqual(['a', 'b', 'c']);
  });

  it('orders names by code unit, not locale', () => {
    expect(names(weighHosts([host('b'), host('B'), host('a')], req))).toEqual(['B', 'a', 'b']);
  });

  it('gives the same order for the same capacity in any input order', () => {
    const hosts = [loaded('h1', 2), loaded('h2', 0), loaded('h3', 2), loaded('h4', 5), loaded('h5', 0)];
    const expected = ['h2', 'h5', 'h1', 'h3', 'h4'];
    expect(names(weighHosts(hosts, req))).toEqual(expected);
    expect(names(weighHosts([...hosts].reverse(), req))).toEqual(expected);
  });

  it('stacks instead of spreading with negative multipliers', () => {
    const order = weighHosts([loaded('empty', 0), loaded('full', 6), loaded('mid', 3)], req, {
      ram: -1,
      cpu: -1,
      disk: -1,
    });
    expect(names(order)).toEqual(['full', 'mid', 'empty']);
  });

  it('ignores a weigher whose multiplier is 0', () => {
    // More free RAM on a, more free vCPU on b: with RAM switched off only the CPU difference counts.
    const a = host('a', { used_vcpus: 10 });
    const b = host('b', { used_memory_mb: 8000 });
    expect(names(weighHosts([a, b], req))).toEqual(['a', 'b']); // 1 + 0 + 0 vs 0 + 1 + 0: tie, by name
    expect(names(weighHosts([a, b], req, { ram: 0 }))).toEqual(['b', 'a']);
  });

  it('returns a new array and leaves its input alone', () => {
    const hosts = [loaded('full', 6), loaded('empty', 0)];
    const snapshot = structuredClone(hosts);
    const order = weighHosts(hosts, req);
    expect(order).not.toBe(hosts);
    expect(hosts).toEqual(snapshot);
  });

  it('returns nothing for no candidates', () => {
    expect(weighHosts([], req)).toEqual([]);
  });
});
