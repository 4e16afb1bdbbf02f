import { Context } from '@temporalio/activity';
import { checkInstanceState, lockConflict, type StateRule } from '../../domain/guards';
import { sanitizeHostname } from '../../domain/hostname';
import type { InstanceFlavor, InstanceRow } from '../../domain/rows';
import { TaskState, VmState } from '../../domain/states';
import { allOf, type Queryable, type Sql } from './db';
import { instanceGone, invalidState } from './errors';
import { recordEvents, type ActionEvent } from './events';
import { closeInterrupted } from './interrupted';
import { createQuotaRefusal, quotaExceeded } from './quotas';

/** Who asked for an operation: recorded as Nova's instance action. */
export interface Requester {
  requestId: string;
  userId: string;
  projectId: string;
  /** An admin's operations pass a lock (Nova's context.is_admin); absent in runs started before locks held. */
  isAdmin?: boolean;
}

export interface OperationAdmission extends Requester {
  instanceUuid: string;
  rule: StateRule;
  /** The instance action name (`stop`, `start`, `reboot`, `delete`). */
  action: string;
  /** The task_state the admission sets; null for an operation that sets none (trigger_crash_dump). */
  taskState: string | null;
  requireHost: boolean;
  /** The step that starts with the admission (e.g. `compute_stop_instance` on the instance's host). */
  events?: readonly ActionEvent[];
}

export interface CreateAdmission extends Requester {
  instanceUuid: string;
  name: string;
  flavor: InstanceFlavor;
  imageId: string;
  /** The image's bytes in the image store (an uploaded image); null or absent for the built-in base images. */
  imageSha256?: string | null;
  metadata: Record<string, string>;
  availabilityZone: string | null;
  keyName: string | null;
  /** The key pair's public key at boot (Nova's key_data): later key pair changes do not reach the instance. */
  keyData?: string | null;
  /** Base64 user data for the metadata service. */
  userData?: string | null;
  description: string | null;
  /** The requested hostname (2.90); absent or null: the sanitized name, as Nova sets it at create. */
  hostname?: string | null;
  reservationId: string;
  events?: readonly ActionEvent[];
}

export function workflowRef(): { workflowId: string | null; runId: string | null } {
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
    RETURNING id`.execute();
  return rows.length === 1;
}

/**
 * Creates the instance record in building/scheduling. Idempotent: a retried activity finds its own row. Every
 * statement is sent at once, in order (pipelined), and judged after: a refusal throws and rolls back whatever ran.
 */
export async function admitCreate(sql: Sql, input: CreateAdmission): Promise<void> {
  await sql.begin(async (tx) => {
    const { vcpus, memory_mb } = input.flavor;
    // .execute() sends each statement now, so they reach the server in this order.
    const retried = tx`SELECT 1 FROM instances WHERE uuid = ${input.instanceUuid}`.execute();
    const refusal = createQuotaRefusal(tx, input.projectId, { instances: 1, cores: vcpus, ram: memory_mb });
    const inserted = tx`
      INSERT INTO instances (uuid, name, project_id, user_id, flavor, image_id, vm_state, task_state, metadata,
                             availability_zone, key_name, key_data, user_data, description, hostname,
                             reservation_id)
      VALUES (${input.instanceUuid}, ${input.name}, ${input.projectId}, ${input.userId}, ${tx.json(input.flavor)},
              ${input.imageId}, ${VmState.Building}, ${TaskState.Scheduling}, ${tx.json(input.metadata)},
              ${input.availabilityZone}, ${input.keyName}, ${input.keyData ?? null}, ${input.userData ?? null},
              ${input.description}, ${input.hostname ?? sanitizeHostname(input.name, input.instanceUuid)},
              ${input.reservationId})
      ON CONFLICT (uuid) DO NOTHING
      RETURNING uuid`.execute();
    const recorded = recordAction(tx, input.instanceUuid, 'create', input);
    const events = recordEvents(tx, input.instanceUuid, input.requestId, input.events);
    const [[wasRetried], quota, rows, isRecorded] = await Promise.all([retried, refusal, inserted, recorded, events]);
    // A retry's own instance is in the count already: only a first admission is held to the quota.
    if (!wasRetried && quota) throw quotaExceeded(quota);
    if (rows.length === 0 && isRecorded) throw invalidState(`Instance ${input.instanceUuid} already exists`);
  });
}

/**
 * Checks the state rule and sets the task_state under a row lock, in the same transaction that records the
 * instance action: either the operation owns the instance, or it is refused with Nova's 409 message.
 */
export async function admitOperation(sql: Sql, input: OperationAdmission): Promise<InstanceRow> {
  return sql.begin((tx) => admitInTransaction(tx, input));
}

/** admitOperation where `claim` writes the task_state and whatever else the operation changes at once. */
export async function admitWith(
  sql: Sql,
  input: OperationAdmission,
  claim: (tx: Queryable, row: InstanceRow) => Promise<InstanceRow>,
): Promise<InstanceRow> {
  return sql.begin((tx) => admitInTransaction(tx, input, undefined, claim));
}

async function setTaskState(tx: Queryable, input: OperationAdmission, row: InstanceRow): Promise<InstanceRow> {
  const [admitted] = await tx<InstanceRow[]>`
    UPDATE instances SET task_state = ${input.taskState}, updated_at = now()
    WHERE uuid = ${row.uuid} RETURNING *`;
  return admitted!;
}

/**
 * The admission every operation on an existing instance shares, inside the caller's transaction: lock the row,
 * recognise a retry that already committed, check the server's lock, the state rule (and the host) and the
 * operation's own refusals (`check`, e.g. evacuate's "the source host must be down"; first admissions only),
 * then `claim` writes the task_state (and whatever else the operation changes at once), what an interrupted
 * operation left open is closed, and the instance action and its first events are recorded.
 */
export async function admitInTransaction(
  tx: Queryable,
  input: OperationAdmission,
  check?: (row: InstanceRow) => Promise<void>,
  claim: (tx: Queryable, row: InstanceRow) => Promise<InstanceRow> = (t, row) => setTaskState(t, input, row),
): Promise<InstanceRow> {
  // Two round trips when nothing stands in the way: the locked row with the retry check, then every write at once.
  const [[row], [mine]] = await Promise.all([
    tx<InstanceRow[]>`SELECT * FROM instances WHERE uuid = ${input.instanceUuid} AND NOT deleted FOR UPDATE`.execute(),
    tx`SELECT 1 FROM instance_actions WHERE instance_uuid = ${input.instanceUuid} AND request_id = ${input.requestId}`.execute(),
  ]);
  if (!row) throw instanceGone(input.instanceUuid);
  if (mine) return asAdmitted(row); // a retried admission that already committed
  // A lock committed before this admission holds, however close the two came (Nova checks it only in its API).
  const locked = lockConflict(input.rule, row, input.isAdmin === true);
  if (locked) throw invalidState(locked);
  const notReady = input.requireHost && !row.host ? `Instance ${row.uuid} is not ready` : null;
  if (notReady && input.rule.hostBeforeState) throw invalidState(notReady);
  const conflict = checkInstanceState(input.rule, row);
  if (conflict) throw invalidState(conflict.message);
  if (notReady) throw invalidState(notReady);
  await check?.(row);
  const [admitted] = await allOf([
    claim(tx, row),
    // The operation before this one has closed (one run per instance): whatever it left open was interrupted.
    closeInterrupted(tx, {
      instanceUuid: row.uuid,
      requestId: input.requestId,
      action: input.action,
      workflowId: workflowRef().workflowId,
    }),
    recordAction(tx, row.uuid, input.action, input),
    // An event without a host runs on the instance's host; `host: null` says it runs nowhere in particular.
    recordEvents(
      tx,
      row.uuid,
      input.requestId,
      input.events?.map((e) => ({ ...e, host: e.host === undefined ? row.host : e.host })),
    ),
  ]);
  return asAdmitted(admitted);
}

/**
 * The row an admission hands its workflow, which the workflow's history and the step log then keep: without the
 * stored admin password, so that forgetting it (os-server-password) leaves no copy in later operations' records.
 */
function asAdmitted(row: InstanceRow): InstanceRow {
  const { server_password: _, ...admitted } = row;
  return admitted;
}
