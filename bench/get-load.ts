import { Worker } from 'node:worker_threads';
import { OperationFailed } from './http';

export interface GetLoad {
  baseUrl: string;
  /** One connection per path, each in a closed loop. */
  paths: string[];
  rounds: number;
  /** What every body must start with. */
  bodyStartsWith: string;
  /** A request not answered by then fails the run instead of hanging it. */
  timeoutMs: number;
}

export type GetLoadReport = { samples: number[] } | { error: string };

/**
 * Concurrent GETs from a thread of their own, so the load's own cost (a hundred connections receiving a megabyte
 * each) runs beside the API's event loop instead of in it, as a separate load generator would.
 */
export function getLoadInThread(load: GetLoad): Promise<number[]> {
  const entry = require.resolve('./get-load-worker.ts');
  // The thread loads TypeScript through tsx, as this process does.
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData: load,
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (report: GetLoadReport) => {
      void worker.terminate();
      if ('error' in report) reject(new OperationFailed(report.error));
      else resolve(report.samples);
    });
    worker.once('error', reject);
    // Settled already when it answered; otherwise the thread died without a word.
    worker.once('exit', (code) => reject(new OperationFailed(`the load thread exited with code ${code}`)));
  });
}
