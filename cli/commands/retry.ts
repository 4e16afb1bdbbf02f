import { callApi, type ApiTarget } from '../api-client';

interface MigrationRecord {
  id: number;
  status: string;
  migration_type: string;
  new_instance_type_id?: number | string;
  created_at: string;
}

interface ServerView {
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-SRV-ATTR:host'?: string | null;
  progress?: number;
  fault?: { message: string };
}

const FAILED = new Set(['error', 'failed']);

/** The request that repeats a failed migration: the same kind of move, to any host. */
function retryBody(m: MigrationRecord): unknown {
  if (m.migration_type === 'live-migration') return { 'os-migrateLive': { host: null, block_migration: 'auto' } };
  if (m.migration_type === 'resize' && m.new_instance_type_id !== undefined) {
    return { resize: { flavorRef: String(m.new_instance_type_id) } };
  }
  return { migrate: null };
}

/**
 * Retries the instance's last migration when it failed: the same request again, which Temporal runs as a new
 * run of the same workflow ID, then follows it with a status line until it settles.
 */
export async function retryMigration(
  target: ApiTarget,
  serverId: string,
  onStatus: (line: string) => void,
): Promise<string> {
  const listing = (await callApi(target, 'GET', `/os-migrations?instance_uuid=${encodeURIComponent(serverId)}`)) as {
    migrations: MigrationRecord[];
  };
  const last = [...listing.migrations].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id)[0];
  if (!last) return `server ${serverId} has no migration to retry`;
  if (!FAILED.has(last.status)) return `the last migration of ${serverId} (${last.id}) is ${last.status}, not failed`;
  await callApi(target, 'POST', `/servers/${serverId}/action`, retryBody(last));
  for (;;) {
    const { server } = (await callApi(target, 'GET', `/servers/${serverId}`)) as { server: ServerView };
    const task = server['OS-EXT-STS:task_state'];
    onStatus(`${server.status} ${task ?? ''} on ${server['OS-EXT-SRV-ATTR:host'] ?? '-'} ${server.progress ?? 0}%`);
    if (!task && server.status !== 'MIGRATING') {
      const fault = server.fault ? ` (fault: ${server.fault.message})` : '';
      return `retried ${last.migration_type} ${last.id}: ${server.status} on ${server['OS-EXT-SRV-ATTR:host'] ?? '-'}${fault}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
