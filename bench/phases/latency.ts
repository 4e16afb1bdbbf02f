/**
 * Operation latency, one operation at a time: create, cold migrate + confirm, resize + confirm,
 * shelve → offload → unshelve and createImage, each followed by its baseline of the same shape, and the
 * activity sequences of one run of each side compared step by step.
 */
import { instanceWorkflowId } from '../../domain/naming';
import type { CpuAccounting } from '../accounting';
import { activityShape } from '../history';
import {
  baselineResize,
  baselineShelveCycle,
  baselineSnapshot,
  ourResize,
  ourShelveCycle,
  ourSnapshot,
} from '../more-operations';
import { sequential, POLL_MS, type Bench } from '../scenarios';

export interface LatencySeries {
  createApi: number[];
  createApiAccept: number[];
  createClient: number[];
  createBaseline: number[];
  migrateApi: number[];
  migrateClient: number[];
  migrateBaseline: number[];
  resize: number[];
  resizeBaseline: number[];
  shelveCycle: number[];
  shelveCycleBaseline: number[];
  snapshot: number[];
  snapshotBaseline: number[];
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

const count = (r: { samples: number[] }) => r.samples.length;

export async function measureLatency(
  bench: Bench,
  cpu: CpuAccounting,
  opts: { n: number; nOps: number },
  log: (line: string) => void,
): Promise<LatencyResult> {
  log(`create: ${opts.n} through the API (POST → ACTIVE, GET every ${POLL_MS} ms), the client, the baseline`);
  const createApi = await cpu.phase(
    'create (API, polling)',
    () => sequential(bench, 'create (API)', opts.n, (i) => bench.ourCreateViaApi(`bench-api-${i}`)),
    count,
  );
  const createClient = await cpu.phase(
    'create (client)',
    () => sequential(bench, 'create (client)', opts.n, (i) => bench.ourCreateViaClient(`bench-client-${i}`)),
    count,
  );
  const createBaseline = await cpu.phase(
    'baseline create',
    () =>
      sequential(bench, 'baseline create', opts.n, async () => {
        const id = bench.baselineId();
        const host = bench.nextHost();
        await bench.baselineCreate(id, host);
        return { id, host };
      }),
    count,
  );
  const api = createApi.values.map((v) => v.id);
  const client = createClient.values;
  const base = createBaseline.values;
  const k = Math.min(opts.nOps, api.length, client.length, base.length);

  log(`cold migrate + confirm: ${k} through the API, the client, the baseline`);
  const migrateApi = await cpu.phase(
    'migrate+confirm (API, polling)',
    () => sequential(bench, 'migrate+confirm (API)', k, (i) => bench.ourMigrateViaApi(api[i]!)),
    count,
  );
  const migrateClient = await cpu.phase(
    'migrate+confirm (client)',
    () => sequential(bench, 'migrate+confirm (client)', k, (i) => bench.ourMigrateViaClient(client[i]!)),
    count,
  );
  const migrateBaseline = await cpu.phase(
    'baseline migrate+confirm',
    () => sequential(bench, 'baseline migrate+confirm', k, (i) => bench.baselineMigrate(base[i]!.id, base[i]!.host)),
    count,
  );

  log(`resize + confirm, shelve → offload → unshelve, createImage: ${k} each, ours then the baseline`);
  const pair = async (what: string, ours: (i: number) => Promise<void>, baseline: (i: number) => Promise<void>) => {
    const o = await cpu.phase(what, () => sequential(bench, what, k, ours), count);
    const b = await cpu.phase(`baseline ${what}`, () => sequential(bench, `baseline ${what}`, k, baseline), count);
    return [o.samples, b.samples] as const;
  };
  const [resize, resizeBaseline] = await pair(
    'resize+confirm',
    (i) => ourResize(bench, api[i]!),
    (i) => baselineResize(bench, base[i]!.id, base[i]!.host),
  );
  const [shelveCycle, shelveCycleBaseline] = await pair(
    'shelve+offload+unshelve',
    (i) => ourShelveCycle(bench, client[i]!),
    (i) => baselineShelveCycle(bench, base[i]!.id, base[i]!.host),
  );
  const [snapshot, snapshotBaseline] = await pair(
    'createImage',
    (i) => ourSnapshot(bench, api[i]!, `bench-snap-${i}`),
    (i) => baselineSnapshot(bench, base[i]!.id, base[i]!.host),
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
      migrateApi: migrateApi.samples,
      migrateClient: migrateClient.samples,
      migrateBaseline: migrateBaseline.samples,
      resize,
      resizeBaseline,
      shelveCycle,
      shelveCycleBaseline,
      snapshot,
      snapshotBaseline,
    },
    servers: [...api, ...client],
    baselineIds: base.map((b) => b.id),
    clientIds: client,
    shapes,
  };
}
