/**
 * Action accept at many connections: each connection stops and starts its own server (POST → 202, Node's
 * undici-based fetch with keep-alive, loopback), waiting for each operation to finish before the next; the
 * baseline is update-with-start of a stop-shaped raw workflow until its admission answers.
 */
import type { Sql } from '../../activities/conductor/db';
import type { CpuAccounting } from '../accounting';
import { closedLoop, forEachConcurrently, type Bench } from '../scenarios';

export interface AcceptResult {
  connections: number;
  /** The servers the connections drove, each ACTIVE or SHUTOFF and idle at the end. */
  ids: string[];
  /** Accepts per second our side sustained at `connections`. */
  oursPerSecond: number;
  ours: number[];
  baseline: number[];
  /** Why a side stopped early (its failures are the bench's failures too: the checks fail). */
  aborted: string[];
}

/** ACTIVE idle servers of ours, created as needed so that each connection has one. */
async function serversFor(bench: Bench, sql: Sql, connections: number, concurrency: number): Promise<string[]> {
  const active = await sql<{ uuid: string }[]>`
    SELECT uuid FROM instances WHERE NOT deleted AND vm_state = 'active' AND task_state IS NULL
      AND host = ANY (${sql.array(bench.stack.hosts)})
    ORDER BY created_at LIMIT ${connections}`;
  const ids = active.map((r) => r.uuid);
  const missing = Array.from({ length: connections - ids.length }, (_, i) => i);
  await forEachConcurrently(missing, concurrency, async (i) => {
    const created = await bench.attempt('accept setup', () => bench.ourCreateViaApi(`bench-accept-${i}`));
    if (created) ids.push(created.value.id);
  });
  return ids;
}

/** One action on our server through the API: the POST's accept time goes to `samples`, then the operation ends. */
export async function ourActionAccepted(bench: Bench, id: string, action: string, samples: number[]): Promise<void> {
  const t = performance.now();
  await bench.api.action(id, { [action]: null }, 202);
  samples.push(performance.now() - t);
  await bench.ourHandle(id).result();
}

/** The baseline's stop under `name`: its update-with-start accept time goes to `samples`, then the run ends. */
export async function baselineStopAccepted(bench: Bench, name: string, slot: number, samples: number[]): Promise<void> {
  const hosts = bench.stack.hosts;
  const t = performance.now();
  const handle = await bench.baselineStopAccepted(
    `${bench.stack.baselineSettings.queuePrefix}${name}`,
    hosts[slot % hosts.length]!,
  );
  samples.push(performance.now() - t);
  await handle.result();
}

export async function measureAccept(
  bench: Bench,
  cpu: CpuAccounting,
  opts: { connections: number; seconds: number; setupConcurrency: number },
  log: (line: string) => void,
): Promise<AcceptResult> {
  const ids = await serversFor(bench, bench.stack.sql, opts.connections, opts.setupConcurrency);
  log(`API accept: os-stop / os-start at ${ids.length} concurrent connections for ${opts.seconds} s`);
  const ours: number[] = [];
  const aborted: string[] = [];
  const began = performance.now();
  await cpu.phase(
    'os-stop or os-start (API)',
    () =>
      closedLoop(
        bench,
        'os-stop/os-start (API)',
        ids.length,
        opts.seconds,
        async (loop) => {
          for (const action of ['os-stop', 'os-start']) await ourActionAccepted(bench, ids[loop]!, action, ours);
        },
        true,
      ),
    (r) => (aborted.push(...(r.aborted ? [`ours: ${r.aborted}`] : [])), ours.length),
  );
  const oursPerSecond = ours.length / ((performance.now() - began) / 1000);
  log(`API accept: baseline update-with-start accept at ${ids.length} concurrent callers`);
  const baseline: number[] = [];
  await cpu.phase(
    'baseline stop',
    () =>
      closedLoop(
        bench,
        'baseline stop accept',
        ids.length,
        opts.seconds,
        (loop) => baselineStopAccepted(bench, `accept-${loop}`, loop, baseline),
        true,
      ),
    (r) => (aborted.push(...(r.aborted ? [`baseline: ${r.aborted}`] : [])), baseline.length),
  );
  return { connections: ids.length, ids, oursPerSecond, ours, baseline, aborted };
}
