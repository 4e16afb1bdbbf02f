import type { CpuAccounting } from './accounting';
import { sequential, type Bench, type ClosedLoopResult } from './scenarios';

/**
 * What the bench compares runs in two rounds, the second in the reverse order (A B C, then C B A): a drift of the
 * machine's speed during a phase (a noisy neighbour on a shared host, a cache warming up) then weighs on every side
 * alike instead of on whichever side ran last. It removes that bias, not the noise: on a shared host the ratios of
 * whole runs still move (docs/performance.md).
 */
async function inTwoRounds<T>(sides: number, run: (side: number, round: 0 | 1) => Promise<T>): Promise<T[][]> {
  const parts: T[][] = Array.from({ length: sides }, () => []);
  for (const round of [0, 1] as const) {
    for (let k = 0; k < sides; k++) {
      const side = round === 0 ? k : sides - 1 - k;
      parts[side]!.push(await run(side, round));
    }
  }
  return parts;
}

/** One side of a comparison: its CPU table row, the phase its failures count against, the operation. */
export interface Side<T> {
  cpuPhase: string;
  phase: string;
  op: (i: number) => Promise<T>;
}

export interface Sequence<T> {
  samples: number[];
  values: T[];
}

type Sequences<S extends readonly Side<unknown>[]> = {
  [K in keyof S]: S[K] extends Side<infer T> ? Sequence<T> : never;
};

/** Each side `n` times one at a time, the first half of the indexes in round one and the rest in round two. */
export async function interleavedSequences<const S extends readonly Side<unknown>[]>(
  bench: Bench,
  cpu: CpuAccounting,
  n: number,
  sides: S,
): Promise<Sequences<S>> {
  const first = Math.ceil(n / 2);
  const parts = await inTwoRounds(sides.length, (side, round) => {
    const { cpuPhase, phase, op } = sides[side]!;
    const [from, count] = round === 0 ? [0, first] : [first, n - first];
    return cpu.phase(
      cpuPhase,
      () => sequential(bench, phase, count, (i) => op(from + i)),
      (r) => r.samples.length,
    );
  });
  return parts.map((rounds) => ({
    samples: rounds.flatMap((r) => r.samples),
    values: rounds.flatMap((r) => r.values),
  })) as Sequences<S>;
}

/** Closed loops of each side for `seconds` in all, half in each round; the rate is over both halves. */
export async function interleavedLoops(
  cpu: CpuAccounting,
  seconds: number,
  sides: readonly { cpuPhase: string; loop: (seconds: number) => Promise<ClosedLoopResult> }[],
): Promise<ClosedLoopResult[]> {
  const parts = await inTwoRounds(sides.length, (side) => {
    const { cpuPhase, loop } = sides[side]!;
    return cpu.phase(
      cpuPhase,
      () => loop(seconds / 2),
      (r) => r.count,
    );
  });
  return parts.map(joinLoops);
}

function joinLoops(parts: ClosedLoopResult[]): ClosedLoopResult {
  const count = parts.reduce((sum, p) => sum + p.count, 0);
  const elapsedMs = parts.reduce((sum, p) => sum + p.elapsedMs, 0);
  const joined: ClosedLoopResult = {
    count,
    elapsedMs,
    perSecond: count / (elapsedMs / 1000),
    samples: parts.flatMap((p) => p.samples),
  };
  const aborted = parts.find((p) => p.aborted !== undefined)?.aborted;
  if (aborted !== undefined) joined.aborted = aborted;
  return joined;
}
