import { CpuAccounting } from './accounting';
import { interleavedLoops, interleavedSequences } from './interleave';
import type { Bench } from './scenarios';

/** sequential() needs only attempt() of the bench. */
const bench = { attempt: async <T>(_: string, op: () => Promise<T>) => ({ value: await op() }) } as unknown as Bench;

describe('interleaved measurements', () => {
  it('runs the sides A B C then C B A, each index once, and returns each side in index order', async () => {
    const order: string[] = [];
    const side = (name: string) => ({
      cpuPhase: name,
      phase: name,
      op: async (i: number) => {
        order.push(`${name}${i}`);
        return `${name}-${i}`;
      },
    });
    const cpu = new CpuAccounting();
    const [a, b, c] = await interleavedSequences(bench, cpu, 5, [side('a'), side('b'), side('c')]);
    expect(order).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0', 'c1', 'c2', 'c3', 'c4', 'b3', 'b4', 'a3', 'a4']);
    expect(a.values).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    expect([b.samples.length, c.values.at(-1)]).toEqual([5, 'c-4']);
    // Both rounds of a side add up into one CPU row.
    expect(cpu.rows.map((r) => [r.phase, r.ops])).toEqual([
      ['a', 5],
      ['b', 5],
      ['c', 5],
    ]);
  });

  it('gives each loop half the time per round and rates it over both halves', async () => {
    const seconds: number[] = [];
    const loop = (count: number) => async (s: number) => {
      seconds.push(s);
      return { count, elapsedMs: 500, perSecond: count * 2, samples: Array.from({ length: count }, () => 1) };
    };
    const [ours, baseline] = await interleavedLoops(new CpuAccounting(), 1, [
      { cpuPhase: 'ours', loop: loop(3) },
      { cpuPhase: 'baseline', loop: loop(5) },
    ]);
    expect(seconds).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(ours).toMatchObject({ count: 6, elapsedMs: 1000, perSecond: 6 });
    expect(baseline).toMatchObject({ count: 10, elapsedMs: 1000, perSecond: 10 });
    expect(ours!.samples).toHaveLength(6);
  });
});
