import { Context } from '@temporalio/activity';
import { checkInstanceState, type StateRule } from '../../domain/guards';
import type { InstanceFlavor, InstanceRow } from '../../domain/rows';
import { TaskState, VmState } from '../../domain/states';
import type { Queryable, Sql } from './db';
import { instanceGone, invalidState } from './errors';
import { recordEvents, type ActionEvent } from './events';

/** Who asked for an operation: recorded as Nova's instance action. */
export interface Requester {
  requestId: string;
  userId: string;
  projectId: string;
}

export interface OperationAdmission extends Requester {
  instanceUuid: string;
  rule: StateRule;
  /** The instance action name (`stop`, `start`, `reboot`, `delete`). */
  action: string;
  taskState: string;
  requireHost: boolean;
  /** The step that starts with the admission (e.g. `compute_stop_instance` on the instance's host). */
  events?: readonly ActionEvent[];
}

export interface CreateAdmission extends Requester {
  instanceUuid: string;
  name: string;
  flavor: InstanceFlavor;
  imageId: string;
  metadata: Record<string, string>;
  availabilityZone: string | null;
  keyName: string | null;
  description: string | null;
  reservationId: string;
  events?: readonly ActionEvent[];
}

function workflowRef(): { workflowId: string | null; runId: string | null } {
  const execution = Context.current().info.workflowExecution;
  return { workflowId: execution?.workflowId ?? null, runId: execution?.runId ?? null };
}

export async function recordAction(
  sql: Queryable,
  instanceUuid: string,
  action: string,
  who: Requester,
): Promise<boolean> {
  const { workflowId, runId } = workflowRef();
  const rows = await sql`
    INSERT INTO instance_actions (instance_uuid, action, request_id, user_id, project_id, workflow_id, run_id)
    VALUES (${instanceUuid}, ${action}, ${who.requestId}, ${who.userId}, ${who.projectId}, ${workflowId}, ${runId})
    ON CONFLICT (instance_uuid, request_id) DO NOTHING
    RETURNING id`;
  return rows.length === 1;
}

/** Creates the instance record in building/scheduling. Idempotent: a retried activity finds its own row. */
export async function admitCreate(sql: Sql, input: CreateAdmission): Promise<void> {
  await sql.begin(async (tx) => {
    const inserted = await tx`
      INSERT INTO instances (uuid, name, project_id, user_id, flavor, image_id, vm_state, task_state, metadata,
                             availability_zone, key_name, description, reservation_id)
      VALUES (${input.instanceUuid}, ${input.name}, ${input.projectId}, ${input.userId}, ${tx.json(input.flavor)},
              ${input.imageId}, ${VmState.Building}, ${TaskState.Scheduling}, ${tx.json(input.metadata)},
              ${input.availabilityZone}, ${input.keyName}, ${input.description}, ${input.reservationId})
      ON CONFLICT (uuid) DO NOTHING
      RETURNING uuid`;
    const recorded = await recordAction(tx, input.instanceUuid, 'create', input);
    if (inserted.length === 0 && recorded) throw invalidState(`Instance ${input.instanceUuid} already exists`);
    await recordEvents(tx, input.instanceUuid, input.requestId, input.events);
  });
}

/**
 * Checks the state rule and sets the task_state under a row lock, in the same transaction that records the
 * instance action: either the operation owns the instance, or it is refused with Nova's 409 message.
 */
export async function admitOperation(sql: Sql, input: OperationAdmission): Promise<InstanceRow> {
  return sql.begin((tx) => admitInTransaction(tx, input));
}

/**
 * admitOperation inside the caller's transaction, so an operation can create what it owns (a snapshot's image
 * record) atomically with its admission.
 */
export async function admitInTransaction(tx: Queryable, input: OperationAdmission): Promise<InstanceRow> {
  const [row] = await tx<InstanceRow[]>`
    SELECT * FROM instances WHERE uuid = ${input.instanceUuid} AND NOT deleted FOR UPDATE`;
  if (!row) throw instanceGone(input.instanceUuid);
  const [mine] = await tx`
    SELECT 1 FROM instance_actions WHERE instance_uuid = ${row.uuid} AND request_id = ${input.requestId}`;
  if (mine) return row; // a retried admission that already committed
  const conflict = checkInstanceState(input.rule, row);
  if (conflict) throw invalidState(conflict.message);
  if (input.requireHost && !row.host) throw invalidState(`Instance ${row.uuid} is not ready`);
  const [admitted] = await tx<InstanceRow[]>`
    UPDATE instances SET task_state = ${input.taskState}, updated_at = now()
    WHERE uuid = ${row.uuid} RETURNING *`;
  await recordAction(tx, row.uuid, input.action, input);
  await recordEvents(
    tx,
    row.uuid,
    input.requestId,
    input.events?.map((e) => ({ ...e, host: e.host ?? row.host })),
  );
  return admitted!;
}
