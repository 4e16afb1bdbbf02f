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
