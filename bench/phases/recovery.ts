/**
 * Recovery: a compute host running as its own process (started as `npm start` starts it) is killed with SIGKILL
 * while it copies a migrating server's disk, and started again at once. Measured from the kill to the copy's
 * retry running on the restarted worker, and to the migration's next recorded step (resize_migrated).
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultSwitchFile, HypervisorStep } from '../../activities/compute/fault-switches';
import { hostDataDir } from '../../worker/compute-worker';
import { spawnEntryPoint } from '../../worker/infra/processes';
import { waitFor } from '../../worker/infra/ports';
import { stopChild } from '../../worker/infra/temporal-server';
import type { Bench } from '../scenarios';
import { workerProcessEnv } from '../stack';

export const RECOVERY_HOST = 'host-proc';
const MIGRATE_TO_HOST = '2.56';
const GIVE_UP_MS = 120_000;

export interface RecoveryResult {
  heartbeatTimeoutMs: number;
  /** Kill → the disk copy's next attempt started on the restarted worker. */
  retryStartedMs: number;
  /** Kill → the conductor recorded the copy's end (task_state resize_migrated or later). */
  nextStepMs: number;
  /** Kill → the restarted process registered with Temporal again (its first host report). */
  restartMs: number;
}

function startHostProcess(bench: Bench): ChildProcess {
  const p = bench.stack.processes;
  const env = workerProcessEnv(bench.stack, {
    NOVA_COMPUTE_HOST: RECOVERY_HOST,
    NOVA_DATA_DIR: p.dataDir,
    NOVA_TRANSFER_DIR: `${p.dataDir}/transfer`,
    NOVA_COMPUTE_REPORT_INTERVAL_S: '1',
  });
  return spawnEntryPoint('compute', env, 'ignore');
}

async function lastSeen(bench: Bench): Promise<number> {
  const [row] = await bench.stack.sql<
    { at: Date }[]
  >`SELECT last_seen_at AS at FROM hosts WHERE name = ${RECOVERY_HOST}`;
  return row?.at.getTime() ?? 0;
}

/** The migration's pending disk copy: its attempt and whether a worker runs it now. */
async function pendingCopy(bench: Bench, id: string): Promise<{ attempt: number; running: boolean } | undefined> {
  const description = await bench.ourHandle(id).describe();
  const copy = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'migrateDiskAndPowerOff');
  if (!copy) return undefined;
  // PENDING_ACTIVITY_STATE_STARTED = 2
  return { attempt: copy.attempt ?? 1, running: copy.state === 2 };
}

async function taskState(bench: Bench, id: string): Promise<string | null> {
  const [row] = await bench.stack.sql<{ task_state: string | null }[]>`
    SELECT task_state FROM instances WHERE uuid = ${id}`;
  return row?.task_state ?? null;
}

/** Moves a server onto the process host, hangs its next disk copy there, migrates it away and kills the host. */
export async function measureRecovery(bench: Bench, serverId: string): Promise<RecoveryResult> {
  let child = startHostProcess(bench);
  const faults = FaultSwitchFile.forHostDir(hostDataDir(bench.stack.processes.dataDir, RECOVERY_HOST));
  try {
    await waitFor('the process host to register', async () => (await lastSeen(bench)) > 0, GIVE_UP_MS);
    await bench.api.action(serverId, { migrate: { host: RECOVERY_HOST } }, 202, MIGRATE_TO_HOST);
    await bench.api.waitForStatus(serverId, 'VERIFY_RESIZE', 50, GIVE_UP_MS);
    await bench.api.action(serverId, { confirmResize: null }, 204);
    await bench.api.waitForStatus(serverId, 'ACTIVE', 50, GIVE_UP_MS);

    await faults.set(HypervisorStep.MigrateDisk, { mode: 'hang' });
    await bench.api.action(serverId, { migrate: { host: bench.stack.hosts[0] } }, 202, MIGRATE_TO_HOST);
    const copying = async () => (await pendingCopy(bench, serverId))?.running === true;
    await waitFor('the copy to run on the process host', copying, GIVE_UP_MS);

    const seenBefore = await lastSeen(bench);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    await faults.clear();
    child = startHostProcess(bench);

    let restartMs = NaN;
    let retryStartedMs = NaN;
    for (;;) {
      const now = Date.now();
      if (now - killedAt > GIVE_UP_MS) throw new Error(`no progress ${GIVE_UP_MS} ms after the kill`);
      if (Number.isNaN(restartMs) && (await lastSeen(bench)) > seenBefore) restartMs = now - killedAt;
      const copy = await pendingCopy(bench, serverId);
      if (Number.isNaN(retryStartedMs) && (copy === undefined || (copy.attempt > 1 && copy.running))) {
        retryStartedMs = now - killedAt;
      }
      const state = await taskState(bench, serverId);
      if (state !== 'resize_migrating' && state !== 'resize_prep') {
        const result = {
          heartbeatTimeoutMs: bench.stack.settings.computeHeartbeatTimeoutMs,
          retryStartedMs: Number.isNaN(retryStartedMs) ? now - killedAt : retryStartedMs,
          nextStepMs: now - killedAt,
          restartMs,
        };
        // The server ends ACTIVE on a host that stays: confirming destroys the source copy on the process host.
        await bench.api.waitForStatus(serverId, 'VERIFY_RESIZE', 50, GIVE_UP_MS);
        await bench.api.action(serverId, { confirmResize: null }, 204);
        await bench.api.waitForStatus(serverId, 'ACTIVE', 50, GIVE_UP_MS);
        return result;
      }
      await sleep(50);
    }
  } finally {
    await faults.clear().catch(() => undefined);
    await stopChild(child);
    // Nothing may be scheduled onto the stopped host for the rest of the run.
    await bench.stack.sql`
      UPDATE hosts SET disabled = true, disabled_reason = 'bench: recovery host stopped' WHERE name = ${RECOVERY_HOST}`;
  }
}
