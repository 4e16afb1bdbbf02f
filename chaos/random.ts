/**
 * A small seeded generator (mulberry32): the same seed gives the same sequence of choices, so a chaos run's
 * decisions can be repeated. Timing still differs between runs; the choices do not.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight; entries with weight 0 are never chosen. */
  weighted<T>(items: readonly { item: T; weight: number }[]): T {
    const total = items.reduce((sum, e) => sum + e.weight, 0);
    if (total <= 0) throw new Error('weighted pick with no weight');
    let r = this.next() * total;
    for (const e of items) {
      r -= e.weight;
      if (r < 0) return e.item;
    }
    return items[items.length - 1]!.item;
  }

  /** An independent generator for one concern (workload, faults), so one's draws do not shift the other's. */
  fork(label: string): Random {
    let h = this.state ^ 0x9e3779b9;
    for (const c of label) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
    return new Random(h >>> 0);
  }
}
