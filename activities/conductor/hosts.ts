import { ApplicationFailure } from '@temporalio/common';
import { FaultType } from '../../domain/faults';
import { EvacuationStatus } from '../../domain/states';
import type { Sql } from './db';
import { EVACUATION, staleGuests, type StaleGuest } from './evacuations';
import { orphanGuests, settledTransfers } from './orphans';

/** What a compute host reports about itself, through its host workflow (compute never touches the DB). */
export interface HostReport {
  host: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  runningVms: number;
  startedAt: string;
  /** The uuids of the guests its hypervisor has (absent from hosts that predate the field). */
  guests?: string[];
  /** The migrations whose disk copies sit in the transfer area (absent from hosts that predate the field). */
  transfers?: string[];
}

/** What the conductor answers a report with: the evacuated guests the host must destroy first. */
export interface HostReportReply {
  stale: StaleGuest[];
  /**
   * Guests of instances that are deleted or live elsewhere, with no operation or migration in flight: leftovers
   * of a cleanup that failed, for the host to destroy (orphans.ts). Empty while `stale` is not: a returning host
   * first finishes its evacuations. Absent from replies recorded before the field existed.
   */
  orphans?: string[];
  /**
   * Migrations among the reported transfers whose disk copy nothing needs any more (settled, or unknown here), for
   * the host to remove (orphans.ts). Absent from replies recorded before the field existed.
   */
  settledTransfers?: string[];
}

/**
 * Registers the host on its first report and refreshes its liveness on every later one. A host that comes
 * back after its instances were evacuated stays down until it has destroyed their stale copies, as nova-compute
 * runs init_host before it reports up: until then the scheduler cannot place anything on it. An up host also
 * learns which of its guests are orphans to reap; every host learns which disk copies in the transfer area belong
 * to settled migrations, to remove.
 */
export async function recordHostReport(sql: Sql, report: HostReport): Promise<HostReportReply> {
  return sql.begin(async (tx) => {
    const stale = await staleGuests(tx, report.host, report.guests);
    const up = stale.length === 0;
    const orphans = up ? await orphanGuests(tx, report.host, report.guests ?? []) : [];
    const transfers = await settledTransfers(tx, report.transfers ?? []);
    await tx`
      INSERT INTO hosts (name, vcpus, memory_mb, disk_gb, running_vms, started_at, last_seen_at)
      VALUES (${report.host}, ${report.vcpus}, ${report.memoryMb}, ${report.diskGb}, ${report.runningVms},
              ${report.startedAt}, now())
      ON CONFLICT (name) DO UPDATE SET
        vcpus = EXCLUDED.vcpus, memory_mb = EXCLUDED.memory_mb, disk_gb = EXCLUDED.disk_gb,
        running_vms = EXCLUDED.running_vms, started_at = EXCLUDED.started_at,
        last_seen_at = CASE WHEN ${up} THEN now() ELSE hosts.last_seen_at END, updated_at = now()`;
    return { stale, orphans, settledTransfers: transfers };
  });
}

/** An operator's change to a compute service (os-services): enable/disable with a reason, force down/up. */
export interface ServiceChange {
  host: string;
  /** Present: the new status; `disabledReason` goes with it (null when enabling). */
  disabled?: boolean;
  disabledReason?: string | null;
  forcedDown?: boolean;
}

/** Nova's message when forcing up a host whose evacuations are not cleaned up yet. */
export function forceUpRefusedMessage(host: string): string {
  return (
    `Unable to force up host ${host} as \`done\` evacuation migration records remain associated with the host. ` +
    'Ensure the compute service has been restarted, allowing these records to move to `completed` before ' +
    'retrying this request.'
  );
}

/**
 * Applies an os-services update to the hosts row the scheduler reads. Forcing a host up is refused while
 * evacuations away from it are `done`: its stale guests would count as gone before the host destroyed them.
 */
export async function updateHostService(sql: Sql, change: ServiceChange): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx`SELECT name FROM hosts WHERE name = ${change.host} FOR UPDATE`;
    if (!row) {
      throw ApplicationFailure.nonRetryable(`Host '${change.host}' is not mapped to any cell`, FaultType.HostNotFound);
    }
    if (change.forcedDown === false) {
      const [done] = await tx`
        SELECT 1 FROM server_migrations
        WHERE source_compute = ${change.host} AND migration_type = ${EVACUATION} AND status = ${EvacuationStatus.Done}
        LIMIT 1`;
      if (done)
        throw ApplicationFailure.nonRetryable(forceUpRefusedMessage(change.host), FaultType.ServiceUpdateRefused);
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
