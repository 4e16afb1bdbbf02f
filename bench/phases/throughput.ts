/**
 * Sustained create+delete through the API at each concurrency, ours, the baseline's and its queued-steps twin's
 * in turns; and at the highest
 * concurrency again with a second conductor worker, a process of its own on the same queue (how the conductor
 * scales out), to compare with one.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnEntryPoint } from '../../worker/infra/processes';
import { stopChild } from '../../worker/infra/temporal-server';
import type { CpuAccounting } from '../accounting';
import { interleavedLoops } from '../interleave';
import { closedLoop, type Bench, type ClosedLoopResult } from '../scenarios';
import { workerProcessEnv } from '../stack';

export interface ThroughputPoint {
  concurrency: number;
  ours: ClosedLoopResult;
  baseline: ClosedLoopResult;
  /** The baseline with its conductor steps on a queue (bench/baseline-workflows.ts). */
  baselineQueued: ClosedLoopResult;
}

/**
 * Each side's CPU is accounted on its own, per pair: on two cores the rates follow what a pair costs. The sides
 * take turns (ours, the baseline, the baseline, ours: bench/interleave.ts), half the time each turn.
 */
export async function measureThroughput(
  bench: Bench,
  cpu: CpuAccounting,
  concurrency: number,
  seconds: number,
): Promise<ThroughputPoint> {
  const [ours, baseline, baselineQueued] = await interleavedLoops(cpu, seconds, [
    {
      cpuPhase: `create+delete pair (API, ${concurrency})`,
      loop: (s) =>
        closedLoop(bench, `create+delete (API, ${concurrency})`, concurrency, s, (l, i) =>
          bench.ourCreateDeletePair(`bench-tp${concurrency}-${l}-${i}`),
        ),
    },
    {
      cpuPhase: `baseline create+delete pair (${concurrency})`,
      loop: (s) =>
        closedLoop(bench, `baseline create+delete (${concurrency})`, concurrency, s, () =>
          bench.baselineCreateDeletePair(),
        ),
    },
    {
      cpuPhase: `baseline create+delete pair, queued steps (${concurrency})`,
      loop: (s) =>
        closedLoop(bench, `baseline create+delete, queued steps (${concurrency})`, concurrency, s, () =>
          bench.baselineCreateDeletePair(true),
        ),
    },
  ]);
  return { concurrency, ours: ours!, baseline: baseline!, baselineQueued: baselineQueued! };
}

function startConductorProcess(bench: Bench): ChildProcess {
  const p = bench.stack.processes;
  const env = workerProcessEnv(bench.stack, {
    DATABASE_URL: p.databaseUrl,
    NOVA_WORKFLOW_BUNDLE: p.workflowBundlePath,
  });
  return spawnEntryPoint('conductor', env, 'ignore');
}

/** Ours at `concurrency` with the in-process conductor and a second conductor process polling the same queue. */
export async function measureTwoConductors(
  bench: Bench,
  concurrency: number,
  seconds: number,
): Promise<ClosedLoopResult> {
  const second = startConductorProcess(bench);
  try {
    // The second worker is useful once it polls: give it the time a worker process needs to start on this machine.
    const ready = Date.now() + 60_000;
    while (Date.now() < ready) {
      const description = await bench.stack.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: `${bench.stack.settings.queuePrefix}conductor` },
        taskQueueType: 1, // workflow tasks
      });
      if (new Set((description.pollers ?? []).map((p) => p.identity)).size >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const phase = `create+delete (API, ${concurrency}, 2 conductors)`;
    const pair = (l: number, i: number) => bench.ourCreateDeletePair(`bench-tp2c-${l}-${i}`);
    return await closedLoop(bench, phase, concurrency, seconds, pair, true);
  } finally {
    await stopChild(second);
  }
}
