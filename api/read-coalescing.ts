/**
 * Concurrent identical reads share one database read, the way a Kubernetes API server serves many LISTs from one
 * read: a thousand-server page costs tens of milliseconds of CPU to read and render, so a hundred clients polling
 * the same page would otherwise queue behind each other for seconds.
 *
 * Sharing never serves anything older than the caller could have seen on its own: a caller joins only a read
 * that starts after it arrived. A caller arriving while a read of its key runs waits for the next one, which
 * starts as soon as the running one ends and serves every caller that arrived in between. Nothing is kept once
 * a read has been answered.
 */
export class ReadCoalescer<V> {
  private readonly running = new Map<string, Promise<V>>();
  private readonly next = new Map<string, NextRead<V>>();

  /** `read` is the work for every caller of `key`: callers with the same key must want the same answer. */
  read(key: string, read: () => Promise<V>): Promise<V> {
    if (!this.running.has(key)) return this.start(key, read);
    let queued = this.next.get(key);
    if (!queued) {
      queued = deferredRead(read);
      this.next.set(key, queued);
    }
    return queued.answer;
  }

  private start(key: string, read: () => Promise<V>): Promise<V> {
    const answer = (async () => read())();
    this.running.set(key, answer);
    const startNext = () => {
      this.running.delete(key);
      const queued = this.next.get(key);
      if (!queued) return;
      this.next.delete(key);
      queued.settleWith(this.start(key, queued.read));
    };
    answer.then(startNext, startNext);
    return answer;
  }
}

interface NextRead<V> {
  read: () => Promise<V>;
  answer: Promise<V>;
  settleWith(answer: Promise<V>): void;
}

function deferredRead<V>(read: () => Promise<V>): NextRead<V> {
  let settleWith!: (answer: Promise<V>) => void;
  const answer = new Promise<V>((resolve) => {
    settleWith = resolve;
  });
  return { read, answer, settleWith };
}
