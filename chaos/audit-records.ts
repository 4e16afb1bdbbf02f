import type { Sql } from 'postgres';
import { auditAllocations } from '../api/queries/allocation-audit';
import { FINAL_MIGRATION_STATUSES } from '../domain/states';
import type { Finding } from './findings';
import type { Ledger } from './ledger';

/** Ledger operations that are no instance action of their own (decisions on a running live migration). */
const NOT_ACTIONS = new Set(['live-migration-abort', 'live-migration-force-complete']);

/** The database side: tasks, actions, requests, claims, migrations and images after quiescence. */
export async function auditRecords(sql: Sql, ledger: Ledger): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (category: Finding['category'], detail: string) => findings.push({ category, detail });

  for (const row of await sql<{ uuid: string; vm_state: string; task_state: string | null }[]>`
    SELECT uuid, vm_state, task_state FROM instances
    WHERE NOT deleted AND (task_state IS NOT NULL OR vm_state = 'resized')`) {
    add('stuck', `instance ${row.uuid} still in vm_state ${row.vm_state}, task_state ${row.task_state ?? 'None'}`);
  }
  for (const row of await sql<{ instance_uuid: string; action: string; request_id: string }[]>`
    SELECT instance_uuid, action, request_id FROM instance_actions WHERE finish_time IS NULL`) {
    add('stuck', `instance action ${row.action} ${row.request_id} of ${row.instance_uuid} never finished`);
  }

  const actions = await sql<
    { request_id: string; instance_uuid: string; message: string | null }[]
  >`SELECT request_id, instance_uuid, message FROM instance_actions`;
  const recorded = new Set(actions.map((a) => `${a.instance_uuid}/${a.request_id}`));
  const failed = new Set(actions.filter((a) => a.message === 'Error').map((a) => `${a.instance_uuid}/${a.request_id}`));
  const instances = await sql<{ uuid: string; deleted: boolean }[]>`SELECT uuid, deleted FROM instances`;
  const deleted = new Map(instances.map((i) => [i.uuid, i.deleted]));
  for (const e of ledger.accepted()) {
    if (!e.serverId || NOT_ACTIONS.has(e.op)) continue;
    if (!deleted.has(e.serverId))
      add('lost', `${e.op} of ${e.serverId} accepted (${e.requestId}) but no such instance`);
    else if (e.requestId && !recorded.has(`${e.serverId}/${e.requestId}`)) {
      add('lost', `${e.op} of ${e.serverId} accepted (${e.requestId}) but never recorded as an instance action`);
    }
    // A delete the host could not carry out is a recorded failure (Nova's ERROR, delete again), not a lost one.
    const deleteFailed = failed.has(`${e.serverId}/${e.requestId}`);
    if ((e.op === 'delete' || e.op === 'probe-delete') && deleted.get(e.serverId) === false && !deleteFailed) {
      add('lost', `delete of ${e.serverId} accepted (${e.requestId}) but the server still exists`);
    }
  }

  const audit = await auditAllocations(sql);
  for (const a of audit.orphaned_allocations)
    add('leaked', `allocation of ${a.consumer_uuid} on ${a.host}: ${a.reason}`);
  for (const m of audit.missing_allocations)
    add('leaked', `instance ${m.instance_uuid} on ${m.host} has no claim there`);
  for (const o of audit.overcommitted_hosts) add('overcommitted', `${o.host} ${o.resource}: ${o.used} of ${o.usable}`);

  for (const m of await sql<{ uuid: string; instance_uuid: string; status: string; migration_type: string }[]>`
    SELECT uuid, instance_uuid, status, migration_type FROM server_migrations
    WHERE status NOT IN ${sql(FINAL_MIGRATION_STATUSES as string[])}`) {
    add('stuck', `${m.migration_type} ${m.uuid} of ${m.instance_uuid} still ${m.status}`);
  }
  for (const image of await sql<{ id: string; status: string }[]>`
    SELECT id, status FROM images WHERE status IN ('queued', 'saving')`) {
    add('stuck', `image ${image.id} still ${image.status}`);
  }
  return findings;
}
