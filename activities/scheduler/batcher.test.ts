import { Batcher } from './batcher';

describe('Batcher', () => {
  function recording(fail?: (inputs: number[]) => boolean) {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new Batcher(async (inputs: number[]) => {
      batches.push(inputs);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      if (fail?.(inputs)) throw new Error(`batch ${inputs.join(',')}`);
      return inputs.map((n) => n * 10);
    });
    return { batcher, batches, release: () => release() };
  }

  it('runs calls of the same turn together, and those made while it runs together next', async () => {
    const { batcher, batches, release } = recording();
    const first = [batcher.submit(1), batcher.submit(2)];
    await new Promise((resolve) => setImmediate(resolve));
    const next = [batcher.submit(3), batcher.submit(4)];
    release();
    await expect(Promise.all([...first, ...next])).resolves.toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('rejects the calls of a failed batch only', async () => {
    const { batcher, release } = recording((inputs) => inputs.includes(1));
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const next = batcher.submit(2);
    release();
    await expect(first).rejects.toThrow('batch 1');
    await expect(next).resolves.toBe(20);
  });
});
