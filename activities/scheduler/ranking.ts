import type { HostState } from '../../domain/rows';
import { filterHosts, rejectingFilter } from './filters';
import type { FilterContext, ScheduleRequest } from './request';
import { ranksBefore, WeightTable, type WeightMultipliers } from './weighers';

/** Beyond this many hosts, sorting them all costs less than picking the best one by one. */
const SELECTION_LIMIT = 64;

/**
 * The hosts that pass the filters for one request, weighed. The best few are picked without sorting them all (a
 * claim needs the first 16 or so of a thousand), and a placement counted on a host re-judges that host only, so
 * requests placed one after another on the same ranking see each other as Nova's consume_from_request makes them.
 */
export class HostRanking {
  private readonly weights: WeightTable;
  private readonly candidates: HostState[];
  private indexByHost: Map<HostState, number> | undefined;
  private count: number;

  constructor(
    hosts: readonly HostState[],
    private readonly req: ScheduleRequest,
    private readonly ctx: FilterContext,
    multipliers?: Partial<WeightMultipliers>,
  ) {
    this.candidates = filterHosts(hosts, req, ctx);
    this.weights = new WeightTable(this.candidates, req, multipliers);
    this.count = this.candidates.length;
  }

  /** How many hosts pass the filters. */
  get size(): number {
    return this.count;
  }

  /** The best `limit` hosts, best first. */
  best(limit: number): HostState[] {
    const top: number[] = [];
    const wanted = Math.min(limit, this.count);
    if (wanted <= 0) return [];
    if (wanted > SELECTION_LIMIT) return this.sorted().slice(0, wanted);
    for (let i = 0; i < this.candidates.length; i++) {
      if (!this.weights.isCandidate(i)) continue;
      if (top.length === wanted) {
        if (!this.before(i, top[wanted - 1]!)) continue;
        top.pop();
      }
      let at = top.length;
      while (at > 0 && this.before(i, top[at - 1]!)) at--;
      top.splice(at, 0, i);
    }
    return top.map((i) => this.candidates[i]!);
  }

  private sorted(): HostState[] {
    const order: number[] = [];
    for (let i = 0; i < this.candidates.length; i++) if (this.weights.isCandidate(i)) order.push(i);
    return order.sort((i, j) => (this.before(i, j) ? -1 : this.before(j, i) ? 1 : 0)).map((i) => this.candidates[i]!);
  }

  /** The host's state changed (a placement was counted on it): filtered and weighed again, for the next request. */
  rejudge(host: HostState): void {
    this.indexByHost ??= new Map(this.candidates.map((h, i) => [h, i]));
    const i = this.indexByHost.get(host);
    if (i === undefined || !this.weights.isCandidate(i)) return;
    const passes = rejectingFilter(host, this.req, this.ctx) === undefined;
    if (!passes) this.count--;
    this.weights.update(i, passes);
  }

  private before(i: number, j: number): boolean {
    const { totals } = this.weights;
    return ranksBefore(
      { weight: totals[i]!, name: this.candidates[i]!.name },
      { weight: totals[j]!, name: this.candidates[j]!.name },
    );
  }
}
