interface Waiting<In, Out> {
  input: In;
  resolve(output: Out): void;
  reject(reason: unknown): void;
}

/**
 * Runs the calls that arrive together as one batch: those made in the same turn of the event loop, and those made
 * while a batch runs, which wait for it to end and then go together. One batch runs at a time.
 */
export class Batcher<In, Out> {
  private waiting: Waiting<In, Out>[] = [];
  private running = false;

  /** `run` answers each input, in order. */
  constructor(private readonly run: (inputs: In[]) => Promise<Out[]>) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.waiting.length === 1 && !this.running) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.running = true;
    try {
      const outputs = await this.run(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(outputs[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.running = false;
      if (this.waiting.length > 0) setImmediate(() => void this.flush());
    }
  }
}
