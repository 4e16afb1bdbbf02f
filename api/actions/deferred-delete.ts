import type { OperationSettings } from '../../config';
import { StateRules } from '../../domain/guards';
import type { InstanceRow } from '../../domain/rows';
import { TaskState, VmState } from '../../domain/states';
import type { InstanceOperationInput } from '../../workflows/inputs';
import { softDeleteServerWorkflow } from '../../workflows/soft-delete-server';
import { deleteServerWorkflow } from '../../workflows/delete-server';
import { restoreServerWorkflow } from '../../workflows/restore-server';
import { restoreUpdate } from '../../workflows/soft-delete/messages';
import { defineAction, guardState, handOverOrStart, requesterOf, startInterrupting } from './action';
import { noArgs } from './no-args';

const ACCEPTED = { status: 202 };

/** A delete at once (DELETE with no reclaim interval, forceDelete), interrupting whatever runs. */
const HARD_DELETE = {
  rule: StateRules.delete,
  workflow: deleteServerWorkflow,
  input: (base: InstanceOperationInput) => base,
  operation: 'delete',
  taskState: TaskState.Deleting,
};

const SOFT_DELETE = {
  rule: StateRules.softDelete,
  workflow: softDeleteServerWorkflow,
  input: (base: InstanceOperationInput) => base,
  operation: 'softDelete',
  taskState: TaskState.SoftDeleting,
};

/**
 * restore: a SOFT_DELETED server back to ACTIVE, its guest powered on where it is; 202. 403 when its project
 * has no room for it any more (a soft-deleted server does not count against the quota).
 */
export const restore = defineAction({
  key: 'restore',
  policy: 'os_compute_api:os-deferred-delete:restore',
  schema: noArgs,
  async handle(_body, call) {
    guardState(StateRules.restore, call);
    // The soft delete's run, waiting for the reclaim under the instance's ID, restores the server itself.
    await handOverOrStart(call, restoreUpdate, requesterOf(call.ctx), {
      rule: StateRules.restore,
      workflow: restoreServerWorkflow,
      input: (base) => base,
      operation: 'restore',
    });
    return ACCEPTED;
  },
});

/**
 * forceDelete: the server deleted now, as a `delete` action; 202. A SOFT_DELETED one skips the rest of its wait
 * for the reclaim; any other is deleted as by DELETE (never soft), but only while no operation runs on it.
 */
export const forceDelete = defineAction({
  key: 'forceDelete',
  policy: 'os_compute_api:os-deferred-delete:force',
  schema: noArgs,
  async handle(_body, call) {
    guardState(StateRules.forceDelete, call);
    // A soft-deleted server's wait for the reclaim is cancelled (a waiting resize is confirmed), as for DELETE. The
    // task was idle when asked: one an interrupted admission left behind afterwards is the delete's to clear.
    await startInterrupting(call, HARD_DELETE);
    return ACCEPTED;
  },
});

/**
 * What `DELETE /servers/{id}` runs on the server as the interrupted operation's rollback left it. While Nova's
 * reclaim_instance_interval is set, a server that ran and still has its guest on a host is soft-deleted; one that
 * never ran (Nova's fallback), or is shelved, is deleted at once.
 */
export function deletionOf(settings: OperationSettings) {
  return (instance: InstanceRow) => {
    const soft =
      settings.reclaimInstanceIntervalMs > 0 &&
      instance.launched_at !== null &&
      instance.host !== null &&
      instance.vm_state !== VmState.Shelved;
    return soft ? SOFT_DELETE : HARD_DELETE;
  };
}
