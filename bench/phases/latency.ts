/**
 * Operation latency, one operation at a time: create, cold migrate + confirm, resize + confirm,
 * shelve → offload → unshelve and createImage, each beside its baseline of the same shape (in two rounds, A B then
 * B A: bench/interleave.ts), and the activity sequences of one run of each side compared step by step.
 */
import { instanceWorkflowId } from '../../domain/naming';
import type { CpuAccounting } from '../accounting';
import { activityShape } from '../history';
import { baselineShelveCycle, baselineSnapshot, ourResize, ourShelveCycle, ourSnapshot } from '../more-operations';
import { interleavedSequences } from '../interleave';
import { POLL_MS, type Bench } from '../scenarios';

export interface LatencySeries {
  createApi: number[];
  createApiAccept: number[];
  createClient: number[];
  createBaseline: number[];
  /** `…Queued`: the baseline's twin with its conductor steps on a queue (bench/baseline-workflows.ts). */
  createBaselineQueued: number[];
  migrateApi: number[];
  migrateClient: number[];
  migrateBaseline: number[];
  migrateBaselineQueued: number[];
  resize: number[];
  resizeBaseline: number[];
  resizeBaselineQueued: number[];
  shelveCycle: number[];
  shelveCycleBaseline: number[];
  shelveCycleBaselineQueued: number[];
  snapshot: number[];
  snapshotBaseline: number[];
  snapshotBaselineQueued: number[];
}

export interface Shape {
  workflow: string;
  ours: string[];
  baseline: string[];
}

export interface LatencyResult {
  series: LatencySeries;
  /** Servers ours created and left ACTIVE, for later phases. */
  servers: string[];
  /** Baseline workflow IDs of the creates, for the history breakdown. */
  baselineIds: string[];
  clientIds: string[];
  shapes: Shape[];
}

export async function measureLatency(
  bench: Bench,
  cpu: CpuAccounting,
  opts: { n: number; nOps: number },
  log: (line: string) => void,
): Promise<LatencyResult> {
  log(
    `create: ${opts.n} through the API (POST → ACTIVE, GET every ${POLL_MS} ms), the client, the baseline, ` +
      'the baseline with queued conductor steps',
  );
  const [createApi, createClient, createBaseline, createBaselineQueued] = await interleavedSequences(
    bench,
    cpu,
    opts.n,
    [
      { cpuPhase: 'create (API, polling)', phase: 'create (API)', op: (i) => bench.ourCreateViaApi(`bench-api-${i}`) },
      {
        cpuPhase: 'create (client)',
        phase: 'create (client)',
        op: (i) => bench.ourCreateViaClient(`bench-client-${i}`),
      },
      {
        cpuPhase: 'baseline create',
        phase: 'baseline create',
        op: async () => {
          const id = bench.baselineId();
          const host = bench.nextHost();
          await bench.baselineCreate(id, host);
          return { id, host };
        },
      },
      {
        cpuPhase: 'baseline create, queued steps',
        phase: 'baseline create, queued steps',
        op: () => bench.baselineCreate(bench.baselineId(), bench.nextHost(), true),
      },
    ],
  );
  const api = createApi.values.map((v) => v.id);
  const client = createClient.values;
  const base = createBaseline.values;
  const k = Math.min(opts.nOps, api.length, client.length, base.length);

  // The twin runs under its own workflow IDs, so the shape check below reads the mirrored baseline's runs.
  const twinId = (i: number) => `${base[i]!.id}-queued`;
  log(`cold migrate + confirm: ${k} through the API, the client, the baseline and its queued-steps twin`);
  const [migrateApi, migrateClient, migrateBaseline, migrateBaselineQueued] = await interleavedSequences(
    bench,
    cpu,
    k,
    [
      {
        cpuPhase: 'migrate+confirm (API, polling)',
        phase: 'migrate+confirm (API)',
        op: (i) => bench.ourMigrateViaApi(api[i]!),
      },
      {
        cpuPhase: 'migrate+confirm (client)',
        phase: 'migrate+confirm (client)',
        op: (i) => bench.ourMigrateViaClient(client[i]!),
      },
      {
        cpuPhase: 'baseline migrate+confirm',
        phase: 'baseline migrate+confirm',
        op: (i) => bench.baselineMigrate(base[i]!.id, base[i]!.host),
      },
      {
        cpuPhase: 'baseline migrate+confirm, queued steps',
        phase: 'baseline migrate+confirm, queued steps',
        op: (i) => bench.baselineMigrate(twinId(i), base[i]!.host, true),
      },
    ],
  );

  log(`resize + confirm, shelve → offload → unshelve, createImage: ${k} each, ours, the baseline and its twin`);
  type Baseline = (workflowId: string, host: string, queuedSteps: boolean) => Promise<unknown>;
  const trio = async (what: string, ours: (i: number) => Promise<void>, baseline: Baseline) => {
    const [o, b, q] = await interleavedSequences(bench, cpu, k, [
      { cpuPhase: what, phase: what, op: ours },
      {
        cpuPhase: `baseline ${what}`,
        phase: `baseline ${what}`,
        op: (i) => baseline(base[i]!.id, base[i]!.host, false),
      },
      {
        cpuPhase: `baseline ${what}, queued steps`,
        phase: `baseline ${what}, queued`,
        op: (i) => baseline(twinId(i), base[i]!.host, true),
      },
    ]);
    return [o.samples, b.samples, q.samples] as const;
  };
  const [resize, resizeBaseline, resizeBaselineQueued] = await trio(
    'resize+confirm',
    (i) => ourResize(bench, api[i]!),
    (id, host, queued) => bench.baselineMigrate(id, host, queued),
  );
  const [shelveCycle, shelveCycleBaseline, shelveCycleBaselineQueued] = await trio(
    'shelve+offload+unshelve',
    (i) => ourShelveCycle(bench, client[i]!),
    (id, host, queued) => baselineShelveCycle(bench, id, host, queued),
  );
  const [snapshot, snapshotBaseline, snapshotBaselineQueued] = await trio(
    'createImage',
    (i) => ourSnapshot(bench, api[i]!, `bench-snap-${i}`),
    (id, host, queued) => baselineSnapshot(bench, id, host, queued),
  );

  const prefix = bench.stack.settings.queuePrefix;
  const shapes: Shape[] = [];
  if (k > 0) {
    const pairs: [string, string, string, string][] = [
      [instanceWorkflowId(prefix, client[0]!), 'createServerWorkflow', base[0]!.id, 'baselineCreateWorkflow'],
      [instanceWorkflowId(prefix, api[0]!), 'resizeServerWorkflow', base[0]!.id, 'baselineMigrateWorkflow'],
      [instanceWorkflowId(prefix, client[0]!), 'shelveServerWorkflow', base[0]!.id, 'baselineShelveWorkflow'],
      [instanceWorkflowId(prefix, client[0]!), 'unshelveServerWorkflow', base[0]!.id, 'baselineUnshelveWorkflow'],
      [instanceWorkflowId(prefix, api[0]!), 'snapshotServerWorkflow', base[0]!.id, 'baselineSnapshotWorkflow'],
    ];
    for (const [oursId, oursType, baseId, baseType] of pairs) {
      shapes.push({
        workflow: oursType,
        ours: await activityShape(bench.stack.client, oursId, oursType),
        baseline: await activityShape(bench.stack.client, baseId, baseType),
      });
    }
  }

  return {
    series: {
      createApi: createApi.samples,
      createApiAccept: createApi.values.map((v) => v.acceptMs),
      createClient: createClient.samples,
      createBaseline: createBaseline.samples,
      createBaselineQueued: createBaselineQueued.samples,
      migrateApi: migrateApi.samples,
      migrateClient: migrateClient.samples,
      migrateBaseline: migrateBaseline.samples,
      migrateBaselineQueued: migrateBaselineQueued.samples,
      resize,
      resizeBaseline,
      resizeBaselineQueued,
      shelveCycle,
      shelveCycleBaseline,
      shelveCycleBaselineQueued,
      snapshot,
      snapshotBaseline,
      snapshotBaselineQueued,
    },
    servers: [...api, ...client],
    baselineIds: base.map((b) => b.id),
    clientIds: client,
    shapes,
  };
}
