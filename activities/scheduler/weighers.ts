import { freeResources, type Resources } from '../../domain/capacity';
import type { HostState } from '../../domain/rows';
import type { ScheduleRequest } from './request';

/** Nova's ram/cpu/disk_weight_multiplier. Positive spreads instances over the emptiest hosts; negative stacks. */
export interface WeightMultipliers {
  ram: number;
  cpu: number;
  disk: number;
}

/** Nova's defaults: all 1.0. */
export const DEFAULT_MULTIPLIERS: Readonly<WeightMultipliers> = { ram: 1, cpu: 1, disk: 1 };

interface Weigher {
  multiplier: keyof WeightMultipliers;
  /** Raw value, higher is better before the multiplier: what the host would have left after the request. */
  raw(free: Resources, req: ScheduleRequest): number;
}

const WEIGHERS: readonly Weigher[] = [
  { multiplier: 'ram', raw: (free, req) => free.memoryMb - req.resources.memoryMb },
  { multiplier: 'cpu', raw: (free, req) => free.vcpus - req.resources.vcpus },
  { multiplier: 'disk', raw: (free, req) => free.diskGb - req.resources.diskGb },
];

/**
 * Nova's `normalize`: min–max to [0, 1] over the candidates; all equal → all 0, so a weigher that cannot tell
 * hosts apart adds nothing. This is why 1 TB of free disk does not outweigh a CPU difference.
 */
export function normalise(values: readonly number[]): number[] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values.map((v) => (max === min ? 0 : (v - min) / (max - min)));
}

/** Each host's total weight, in input order: Σ multiplier × normalised raw value. */
export function hostWeights(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  multipliers: Partial<WeightMultipliers> = {},
): number[] {
  const totals = hosts.map(() => 0);
  const free = hosts.map(freeResources);
  for (const weigher of WEIGHERS) {
    const multiplier = multipliers[weigher.multiplier] ?? DEFAULT_MULTIPLIERS[weigher.multiplier];
    if (multiplier === 0) continue;
    normalise(free.map((f) => weigher.raw(f, req))).forEach((w, i) => {
      totals[i] = (totals[i] ?? 0) + w * multiplier;
    });
  }
  return totals;
}

/**
 * Candidates best first, in a new array. Ties go to the lower host name (code-unit order, not locale) so the
 * same capacity always gives the same order: Nova's host_subset_size = 1, without its random pick.
 */
export function weighHosts(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  multipliers: Partial<WeightMultipliers> = {},
): HostState[] {
  const weights = hostWeights(hosts, req, multipliers);
  return hosts
    .map((host, i) => ({ host, weight: weights[i] ?? 0 }))
    .sort((a, b) => b.weight - a.weight || compareNames(a.host.name, b.host.name))
    .map(({ host }) => host);
}

function compareNames(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
