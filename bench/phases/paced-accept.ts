/**
 * Action accept at an offered rate the machine sustains: arrivals at fixed intervals (an open loop), each stopping
 * or starting an idle server of the pool and waiting for the operation before the server rejoins the pool; the
 * baseline's stop-shaped raw workflow at the same rate. With 100 closed loops the two cores are saturated and every
 * request waits in line for the conductor's first workflow task; this shows the accept when nothing queues.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../../activities/conductor/db';
import type { Bench } from '../scenarios';
import { baselineStopAccepted, ourActionAccepted } from './accept';

export interface PacedAcceptResult {
  /** Offered arrivals per second, the same for both sides. */
  perSecond: number;
  ours: number[];
  baseline: number[];
  /** Arrivals that found every server of the pool busy: the side did not sustain the offered rate. */
  skipped: { ours: number; baseline: number };
}

/**
 * Starts `op` every 1/perSecond s for `seconds` on an idle slot of `slots`; an arrival with no idle slot is
 * skipped and counted. Returns the skipped count once every started operation has finished.
 */
async function openLoop(
  bench: Bench,
  phase: string,
  opts: { seconds: number; perSecond: number; slots: number },
  op: (slot: number) => Promise<void>,
): Promise<number> {
  const idle = Array.from({ length: opts.slots }, (_, i) => i);
  const running: Promise<void>[] = [];
  let skipped = 0;
  let gaveUp: unknown;
  const began = performance.now();
  const arrivals = Math.floor(opts.seconds * opts.perSecond);
  for (let k = 0; k < arrivals && gaveUp === undefined; k++) {
    const wait = began + (k * 1000) / opts.perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    const slot = idle.shift();
    if (slot === undefined) {
      skipped++;
      continue;
    }
    const done = bench
      .attempt(phase, () => op(slot))
      .then(
        () => void idle.push(slot),
        (err: unknown) => void (gaveUp ??= err),
      );
    running.push(done);
  }
  await Promise.all(running);
  if (gaveUp !== undefined) throw gaveUp;
  return skipped;
}

export async function measurePacedAccept(
  bench: Bench,
  sql: Sql,
  opts: { ids: string[]; perSecond: number; seconds: number },
  log: (line: string) => void,
): Promise<PacedAcceptResult> {
  const { ids, perSecond, seconds } = opts;
  log(`API accept, paced: ${perSecond.toFixed(1)} actions/s offered for ${seconds} s over ${ids.length} servers`);
  const stopped = await sql<{ uuid: string }[]>`
    SELECT uuid FROM instances WHERE uuid = ANY (${sql.array(ids)}::uuid[]) AND vm_state = 'stopped'`;
  const next = new Map(ids.map((id) => [id, 'os-stop']));
  for (const { uuid } of stopped) next.set(uuid, 'os-start');
  const ours: number[] = [];
  const oursSkipped = await openLoop(
    bench,
    'paced os-stop/os-start (API)',
    { seconds, perSecond, slots: ids.length },
    async (slot) => {
      const id = ids[slot]!;
      const action = next.get(id)!;
      await ourActionAccepted(bench, id, action, ours);
      next.set(id, action === 'os-stop' ? 'os-start' : 'os-stop');
    },
  );
  log(`API accept, paced: the baseline at ${perSecond.toFixed(1)}/s`);
  const baseline: number[] = [];
  const baselineSkipped = await openLoop(
    bench,
    'paced baseline stop accept',
    { seconds, perSecond, slots: ids.length },
    (slot) => baselineStopAccepted(bench, `paced-accept-${slot}`, slot, baseline),
  );
  return { perSecond, ours, baseline, skipped: { ours: oursSkipped, baseline: baselineSkipped } };
}
