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
 * Nova's `normalize` of one value: min–max to [0, 1] over the candidates; all equal → all 0, so a weigher that
 * cannot tell hosts apart adds nothing. This is why 1 TB of free disk does not outweigh a CPU difference.
 */
function normalised(value: number, min: number, max: number): number {
  return max === min ? 0 : (value - min) / (max - min);
}

/** One weigher's raw values over the hosts, and their range over the hosts still candidates. */
interface WeigherColumn {
  weigher: Weigher;
  multiplier: number;
  raw: Float64Array;
  min: number;
  max: number;
}

/**
 * The candidates' total weights, Σ multiplier × normalised raw value, kept in typed columns: a placement counted
 * on one host weighs that host again, and the others only when it moved a weigher's min or max (their
 * normalisation changed), which is what Nova's weighing of the next request after consume_from_request gives.
 */
export class WeightTable {
  /** By index in the hosts given; a host dropped from the candidates keeps its last weight. */
  readonly totals: Float64Array;
  private readonly candidate: Uint8Array;
  private readonly columns: WeigherColumn[];

  constructor(
    private readonly hosts: readonly HostState[],
    private readonly req: ScheduleRequest,
    multipliers: Partial<WeightMultipliers> = {},
  ) {
    const free = hosts.map(freeResources);
    this.totals = new Float64Array(hosts.length);
    this.candidate = new Uint8Array(hosts.length).fill(1);
    this.columns = WEIGHERS.map((weigher) => {
      const raw = new Float64Array(hosts.length);
      for (let i = 0; i < raw.length; i++) raw[i] = weigher.raw(free[i]!, req);
      const multiplier = multipliers[weigher.multiplier] ?? DEFAULT_MULTIPLIERS[weigher.multiplier];
      return { weigher, multiplier, raw, min: 0, max: 0 };
    }).filter((column) => column.multiplier !== 0);
    for (const column of this.columns) this.findRange(column);
    for (let i = 0; i < hosts.length; i++) this.sumOne(i);
  }

  isCandidate(i: number): boolean {
    return this.candidate[i] === 1;
  }

  /** Host `i` changed (a placement was counted on it): its raw values again, or out of the candidates. */
  update(i: number, stillCandidate: boolean): void {
    this.candidate[i] = stillCandidate ? 1 : 0;
    const free = freeResources(this.hosts[i]!);
    let rangeMoved = false;
    for (const column of this.columns) {
      column.raw[i] = column.weigher.raw(free, this.req);
      const { min, max } = column;
      this.findRange(column);
      rangeMoved ||= column.min !== min || column.max !== max;
    }
    if (rangeMoved) for (let j = 0; j < this.hosts.length; j++) this.sumOne(j);
    else this.sumOne(i);
  }

  private findRange(column: WeigherColumn): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < column.raw.length; i++) {
      if (this.candidate[i] === 0) continue;
      const v = column.raw[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    column.min = min;
    column.max = max;
  }

  private sumOne(i: number): void {
    let total = 0;
    for (const c of this.columns) total += normalised(c.raw[i]!, c.min, c.max) * c.multiplier;
    this.totals[i] = total;
  }
}

/** Each host's total weight, in input order: Σ multiplier × normalised raw value. */
export function hostWeights(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  multipliers: Partial<WeightMultipliers> = {},
): number[] {
  return Array.from(new WeightTable(hosts, req, multipliers).totals);
}

/**
 * Whether the host weighing `a` ranks before the one weighing `b`. Ties go to the lower host name (code-unit
 * order, not locale) so the same capacity always gives the same order: Nova's host_subset_size = 1, without its
 * random pick.
 */
export function ranksBefore(a: { weight: number; name: string }, b: { weight: number; name: string }): boolean {
  return a.weight > b.weight || (a.weight === b.weight && a.name < b.name);
}

/** Candidates best first, in a new array (see ranksBefore). */
export function weighHosts(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  multipliers: Partial<WeightMultipliers> = {},
): HostState[] {
  const weights = hostWeights(hosts, req, multipliers);
  return hosts
    .map((host, i) => ({ host, weight: weights[i] ?? 0, name: host.name }))
    .sort((a, b) => (ranksBefore(a, b) ? -1 : ranksBefore(b, a) ? 1 : 0))
    .map(({ host }) => host);
}
