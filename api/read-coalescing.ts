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
  private readonly next = new Map<string, Promise<V>>();

  /** `read` is the work for every caller of `key`: callers with the same key must want the same answer. */
  read(key: string, read: () => Promise<V>): Promise<V> {
    const queued = this.next.get(key);
    if (queued) return queued;
    const running = this.running.get(key);
    if (!running) return this.start(key, read);
    const settled = () => undefined;
    const next = running.then(settled, settled).then(() => {
      this.next.delete(key);
      return this.start(key, read);
    });
    this.next.set(key, next);
    return next;
  }

  private start(key: string, read: () => Promise<V>): Promise<V> {
    const answer = (async () => read())();
    this.running.set(key, answer);
    const ended = () => {
      if (this.running.get(key) === answer) this.running.delete(key);
    };
    answer.then(ended, ended);
    return answer;
  }
}
