/** The run's phases in order, each bounded; the checkpoints audit allocations between them. */
import { auditAllocations, type AllocationAudit } from '../api/queries/allocation-audit';
import { instanceWorkflowId } from '../domain/naming';
import { CpuAccounting } from './accounting';
import { breakdownByType, type TypeBreakdown } from './history';
import { measureAccept, type AcceptResult } from './phases/accept';
import { measureLatency, type LatencyResult } from './phases/latency';
import { measureList, type ListResult } from './phases/list';
import { measurePacedAccept, type PacedAcceptResult } from './phases/paced-accept';
import { baselineShelveCycle, baselineSnapshot, ourShelveCycle, ourSnapshot } from './more-operations';
import { measureRecovery, type RecoveryResult } from './phases/recovery';
import { measureScheduler, type SchedulerResult } from './phases/scheduler';
import { measureThroughput, measureTwoConductors, type ThroughputPoint } from './phases/throughput';
import type { Options } from './options';
import type { CpuPerOp } from './report';
import { forEachConcurrently, sequential, type Bench, type ClosedLoopResult } from './scenarios';
import { removeSeeded, seedCloud, type Seeded } from './seed';

/** How the bench samples the CPU the idle system burns. */
const IDLE_SAMPLE_MS = 2000;
const SETUP_CONCURRENCY = 10;

export interface Checkpoint {
  when: string;
  audit: AllocationAudit;
}

export interface Measured {
  latency: LatencyResult;
  throughput: ThroughputPoint[];
  twoConductors: { concurrency: number; result: ClosedLoopResult } | undefined;
  accept: AcceptResult;
  pacedAccept: PacedAcceptResult;
  recovery: RecoveryResult;
  seeded: Seeded;
  list: ListResult;
  scheduler: SchedulerResult;
  breakdown: TypeBreakdown[];
  cpu: CpuPerOp[];
  audits: Checkpoint[];
}

async function warmUp(bench: Bench, count: number): Promise<void> {
  await sequential(bench, 'warm-up', count, async (i) => {
    const api = (await bench.ourCreateViaApi(`bench-warm-api-${i}`)).id;
    const client = await bench.ourCreateViaClient(`bench-warm-client-${i}`);
    const id = bench.baselineId();
    const host = bench.nextHost();
    await bench.baselineCreate(id, host);
    await bench.ourMigrateViaApi(api);
    await bench.ourMigrateViaClient(client);
    await bench.baselineMigrate(id, host);
    await ourShelveCycle(bench, client);
    await baselineShelveCycle(bench, id, host);
    await ourSnapshot(bench, api, `bench-warm-snap-${i}`);
    await baselineSnapshot(bench, id, host);
  });
}

/** An ACTIVE m1.tiny server of ours on a host that stays, or a new one. */
async function anActiveServer(bench: Bench): Promise<string> {
  const sql = bench.stack.sql;
  const [row] = await sql<{ uuid: string }[]>`
    SELECT uuid FROM instances WHERE NOT deleted AND vm_state = 'active' AND task_state IS NULL
      AND flavor->>'id' = '1' AND host = ANY (${sql.array(bench.stack.hosts)})
    ORDER BY created_at LIMIT 1`;
  return row?.uuid ?? (await bench.ourCreateViaApi('bench-spare')).id;
}

export async function measure(bench: Bench, opts: Options, log: (line: string) => void): Promise<Measured> {
  const { stack } = bench;
  const audits: Checkpoint[] = [];
  const audit = async (when: string) => audits.push({ when, audit: await auditAllocations(stack.sql) });
  const cpu = new CpuAccounting();

  if (opts.warmup > 0) {
    log(`warm-up: ${opts.warmup} of each operation`);
    await warmUp(bench, opts.warmup);
  }
  await cpu.idle(IDLE_SAMPLE_MS);
  const latency = await measureLatency(bench, cpu, { n: opts.n, nOps: opts.nOps }, log);
  await audit('after the sequential operations');

  const throughput: ThroughputPoint[] = [];
  for (const c of opts.concurrencies) {
    log(
      `throughput: create+delete pairs at concurrency ${c} for ${opts.seconds} s each, ours and the baseline in turns`,
    );
    throughput.push(await measureThroughput(bench, cpu, c, opts.seconds));
  }
  // At the lowest concurrency: at 50 on two shared cores a second Node process starves both, and admissions
  // run past the API's deadline (503) instead of measuring what the second worker adds.
  const lowest = Math.min(...opts.concurrencies);
  let twoConductors: Measured['twoConductors'];
  if (opts.twoConductors) {
    log(`throughput: concurrency ${lowest} with a second conductor worker process`);
    twoConductors = { concurrency: lowest, result: await measureTwoConductors(bench, lowest, opts.seconds) };
  }
  await audit('after the create+delete throughput runs');

  const accept = await measureAccept(
    bench,
    cpu,
    { connections: opts.connections, seconds: opts.apiSeconds, setupConcurrency: SETUP_CONCURRENCY },
    log,
  );
  // Half of what our side sustained at full load: a rate both sides keep up with, so nothing queues.
  const pacedAccept = await measurePacedAccept(
    bench,
    stack.sql,
    { ids: accept.ids, perSecond: accept.oursPerSecond / 2, seconds: opts.apiSeconds },
    log,
  );
  await audit('after the accept runs');

  log(
    `recovery: SIGKILL of a compute host process mid-migration (heartbeat timeout ${stack.settings.computeHeartbeatTimeoutMs} ms)`,
  );
  const recovery = await measureRecovery(bench, await anActiveServer(bench));
  await audit('after the recovery run');

  log(`seeding ${opts.listInstances} servers on ${opts.seedHosts} hosts`);
  const seeded = await seedCloud(stack.sql, await anActiveServer(bench), {
    hosts: opts.seedHosts,
    instances: opts.listInstances,
    spareSlots: Math.max(2, Math.ceil((3 * opts.schedulerRequests) / opts.seedHosts)),
  });
  let list: ListResult;
  let scheduler: SchedulerResult;
  try {
    log(`GET /servers/detail?limit=1000 over ${opts.listInstances} servers, filters without and with indexes`);
    list = await measureList(bench.api, stack.sql, {
      requests: opts.listRequests,
      concurrency: opts.listConcurrency,
      instances: opts.listInstances,
    });
    log(
      `scheduler: ${opts.schedulerRequests} selections + claims one at a time, then ${opts.schedulerConcurrency} at a time`,
    );
    scheduler = await measureScheduler(stack.sql, {
      requests: opts.schedulerRequests,
      concurrency: opts.schedulerConcurrency,
      resources: { vcpus: bench.flavor.vcpus, memoryMb: bench.flavor.memory_mb, diskGb: bench.flavor.root_gb },
      maxAttempts: stack.settings.maxAttempts,
      ignoreHosts: stack.hosts,
    });
  } finally {
    await removeSeeded(stack.sql);
  }
  await audit('after the seeded list and scheduler runs');

  log('reading histories: where the time goes');
  const prefix = stack.settings.queuePrefix;
  const breakdown = await breakdownByType(stack.client, [
    ...latency.clientIds.map((uuid) => instanceWorkflowId(prefix, uuid)),
    ...latency.baselineIds,
  ]);

  log(`deleting the ${bench.instances.size} servers left`);
  await forEachConcurrently([...bench.instances], SETUP_CONCURRENCY, async (id) => {
    await bench.attempt('cleanup delete (API)', () => bench.ourDeleteViaApi(id));
  });
  await audit('at the end, every server deleted');
  return {
    latency,
    throughput,
    twoConductors,
    accept,
    pacedAccept,
    recovery,
    seeded,
    list,
    scheduler,
    breakdown,
    cpu: cpu.rows,
    audits,
  };
}
