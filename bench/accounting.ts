import { cpuSince, cpuSnapshot } from './cpu';
import type { CpuPerOp } from './report';

/** Collects the CPU each phase's operations cost, per operation, by process. */
export class CpuAccounting {
  readonly rows: CpuPerOp[] = [];

  /**
   * Runs a phase and records the CPU its operations cost, per operation. A phase run in several rounds
   * (bench/interleave.ts) adds up into one row.
   */
  async phase<T>(phase: string, run: () => Promise<T>, ops: (result: T) => number): Promise<T> {
    const before = cpuSnapshot();
    const result = await run();
    const used = cpuSince(before);
    const n = ops(result);
    if (used && n > 0)
      this.add({ phase, ops: n, node: used.node / n, temporal: used.temporal / n, postgres: used.postgres / n });
    return result;
  }

  private add(row: CpuPerOp): void {
    const earlier = this.rows.find((r) => r.phase === row.phase);
    if (!earlier) {
      this.rows.push(row);
      return;
    }
    const ops = earlier.ops + row.ops;
    const mean = (a: number, b: number) => (a * earlier.ops + b * row.ops) / ops;
    Object.assign(earlier, {
      ops,
      node: mean(earlier.node, row.node),
      temporal: mean(earlier.temporal, row.temporal),
      postgres: mean(earlier.postgres, row.postgres),
    });
  }

  /** The idle system's CPU per second (pollers, host reports, housekeeping), sampled over `ms`. */
  async idle(ms: number): Promise<void> {
    const before = cpuSnapshot();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const idle = cpuSince(before);
    if (!idle) return;
    const perSecond = 1000 / ms;
    this.rows.push({
      phase: 'idle, per second',
      ops: ms / 1000,
      node: idle.node * perSecond,
      temporal: idle.temporal * perSecond,
      postgres: idle.postgres * perSecond,
    });
  }
}
