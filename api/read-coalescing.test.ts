import { ReadCoalescer } from './read-coalescing';

/** A table whose reads see what was committed when they start, and finish when the test lets them. */
class SlowTable {
  committed = 0;
  reads = 0;
  private finishers: (() => void)[] = [];

  read = (): Promise<number> => {
    this.reads++;
    const seen = this.committed;
    return new Promise((resolve) => this.finishers.push(() => resolve(seen)));
  };

  failingRead = (): Promise<number> => {
    this.reads++;
    return new Promise((_, reject) => this.finishers.push(() => reject(new Error('connection lost'))));
  };

  /** Ends the oldest read in progress; the next one starts on its way out. */
  async finishOne(): Promise<void> {
    this.finishers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('ReadCoalescer', () => {
  it('answers a caller that arrived during a read with a later read that sees what was committed before it came', async () => {
    const table = new SlowTable();
    const reads = new ReadCoalescer<number>();
    const first = reads.read('page', table.read);
    table.committed = 1;
    const second = reads.read('page', table.read);
    await table.finishOne();
    expect(await first).toBe(0);
    await table.finishOne();
    expect(await second).toBe(1);
    expect(table.reads).toBe(2);
  });

  it('serves every caller that arrived during a read with one next read', async () => {
    const table = new SlowTable();
    const reads = new ReadCoalescer<number>();
    const first = reads.read('page', table.read);
    table.committed = 7;
    const waiting = Array.from({ length: 5 }, () => reads.read('page', table.read));
    await table.finishOne();
    await table.finishOne();
    expect(await first).toBe(0);
    expect(await Promise.all(waiting)).toEqual([7, 7, 7, 7, 7]);
    expect(table.reads).toBe(2);
  });

  it('reads different keys on their own', async () => {
    const table = new SlowTable();
    const reads = new ReadCoalescer<number>();
    const a = reads.read('project-a', table.read);
    const b = reads.read('project-b', table.read);
    expect(table.reads).toBe(2);
    await table.finishOne();
    await table.finishOne();
    expect([await a, await b]).toEqual([0, 0]);
  });

  it('rejects the callers of a failed read and still runs the next one', async () => {
    const table = new SlowTable();
    const reads = new ReadCoalescer<number>();
    const failed = reads.read('page', table.failingRead);
    const next = reads.read('page', table.read);
    await table.finishOne();
    await expect(failed).rejects.toThrow('connection lost');
    await table.finishOne();
    expect(await next).toBe(0);
  });

  it('rejects a read that throws before returning a promise like any failed read', async () => {
    const reads = new ReadCoalescer<number>();
    await expect(
      reads.read('page', () => {
        throw new Error('bad input');
      }),
    ).rejects.toThrow('bad input');
    expect(await reads.read('page', () => Promise.resolve(3))).toBe(3);
  });

  it('keeps nothing once answered: a caller after a read ends gets a read of its own', async () => {
    const table = new SlowTable();
    const reads = new ReadCoalescer<number>();
    const first = reads.read('page', table.read);
    await table.finishOne();
    await first;
    table.committed = 2;
    const later = reads.read('page', table.read);
    await table.finishOne();
    expect(await later).toBe(2);
    expect(table.reads).toBe(2);
  });
});
