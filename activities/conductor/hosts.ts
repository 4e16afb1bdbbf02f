import { ApplicationFailure } from '@temporalio/common';
import { FaultType } from '../../domain/faults';
import type { Sql } from './db';

/** What a compute host reports about itself, through its host workflow (compute never touches the DB). */
export interface HostReport {
  host: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  runningVms: number;
  startedAt: string;
}

/** Registers the host on its first report and refreshes its liveness on every later one. */
export async function recordHostReport(sql: Sql, report: HostReport): Promise<void> {
  await sql`
    INSERT INTO hosts (name, vcpus, memory_mb, disk_gb, running_vms, started_at, last_seen_at)
    VALUES (${report.host}, ${report.vcpus}, ${report.memoryMb}, ${report.diskGb}, ${report.runningVms},
            ${report.startedAt}, now())
    ON CONFLICT (name) DO UPDATE SET
      vcpus = EXCLUDED.vcpus, memory_mb = EXCLUDED.memory_mb, disk_gb = EXCLUDED.disk_gb,
      running_vms = EXCLUDED.running_vms, started_at = EXCLUDED.started_at,
      last_seen_at = now(), updated_at = now()`;
}

/** An operator's change to a compute service (os-services): enable/disable with a reason, force down/up. */
export interface ServiceChange {
  host: string;
  /** Present: the new status; `disabledReason` goes with it (null when enabling). */
  disabled?: boolean;
  disabledReason?: string | null;
  forcedDown?: boolean;
}

/**
 * Applies an os-services update to the hosts row the scheduler reads (ComputeFilter skips disabled and
 * forced-down hosts).
 */
export async function updateHostService(sql: Sql, change: ServiceChange): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx`SELECT name FROM hosts WHERE name = ${change.host} FOR UPDATE`;
    if (!row) {
      throw ApplicationFailure.nonRetryable(`Host '${change.host}' is not mapped to any cell`, FaultType.HostNotFound);
    }
    const statusChanged = change.disabled !== undefined;
    await tx`
      UPDATE hosts SET
        disabled = COALESCE(${change.disabled ?? null}, disabled),
        disabled_reason = CASE WHEN ${statusChanged} THEN ${change.disabledReason ?? null} ELSE disabled_reason END,
        forced_down = COALESCE(${change.forcedDown ?? null}, forced_down),
        updated_at = now()
      WHERE name = ${change.host}`;
  });
}
