import { CancellationScope, log, setHandler, uuid4 } from '@temporalio/workflow';
import type { Requester } from '../activities/conductor';
import { StateRules } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { TaskState, VmState } from '../domain/states';
import { AdmissionGate } from './admission';
import { DecisionWindow } from './decision-window';
import { admitDeletion, deleteAdmitted } from './delete-server';
import { EventName } from './events';
import { admitGuestOperation, runAdmittedGuestOperation, type GuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';
import { waitingOn } from './progress';
import { RESTORE } from './restore-server';
import {
  NOT_WAITING_FOR_RECLAIM,
  restoreUpdate,
  softDeletePhaseQuery,
  type SoftDeletePhase,
} from './soft-delete/messages';

/**
 * The soft delete itself: soft-deleting while the host powers the guest off, then SOFT_DELETED. A failure clears
 * the task and keeps the vm_state, as in Nova; a host that does not answer is left out (Nova would delete the
 * server at once): the guest stays as it is there, and a restore once the host is back starts it again.
 */
const SOFT_DELETE: GuestOperation = {
  rule: StateRules.softDelete,
  action: 'delete',
  event: EventName.SoftDelete,
  taskStates: [TaskState.SoftDeleting],
  hypervisorStep: 'powerOff',
  summary: 'power off (soft delete)',
  vmState: VmState.SoftDeleted,
  proceedWithoutHost: true,
};

/** A restore the conductor admitted while the run waited: what the run carries out next. */
interface Decision {
  requester: Requester;
  admitted: InstanceRow;
}

/**
 * A delete while Nova's reclaim_instance_interval is set: soft-deleting while the host powers the guest off, then
 * SOFT_DELETED with its guest, disk and claim kept, recorded as the `delete` action. The run then waits on a
 * durable timer for the interval (Nova's periodic _reclaim_queued_deletes, which polls each host), taking restore
 * as an update; forceDelete, another delete or a reset cancels the wait, and when it runs out the server is
 * deleted for good.
 */
export async function softDeleteServerWorkflow(input: InstanceOperationInput): Promise<void> {
  const { settings } = input;
  let phase: SoftDeletePhase = 'admitting';
  setHandler(softDeletePhaseQuery, () => phase);
  const window = new DecisionWindow<Decision>(() => {
    if (phase === 'waiting') return 'open';
    return phase === 'soft-deleting' ? 'ahead' : 'closed';
  }, NOT_WAITING_FOR_RECLAIM);
  const restore = (who: Requester) =>
    window.decide(async () => ({
      requester: who,
      admitted: await admitGuestOperation(RESTORE, { ...input, requester: who }),
    }));
  setHandler(restoreUpdate, restore, { validator: (_who: Requester) => window.validate() });

  const gate = new AdmissionGate();
  const admission = await gate.admit(() => admitGuestOperation(SOFT_DELETE, input));
  const admitted = admission?.value;
  if (!admitted?.host) return;
  phase = 'soft-deleting';
  try {
    await runAdmittedGuestOperation(SOFT_DELETE, input, admitted);
  } catch (err) {
    phase = 'done';
    throw err;
  }
  const reclaimAt = Date.now() + settings.reclaimInstanceIntervalMs;
  for (;;) {
    phase = 'waiting';
    waitingOn('the reclaim interval to pass, or a restore');
    const outcome = await window.wait(reclaimAt);
    if (outcome.ended === 'cancelled') {
      // forceDelete, another delete, a reset or an operator: the server stays SOFT_DELETED for whatever cancelled.
      phase = 'done';
      throw outcome.failure;
    }
    if (outcome.ended === 'timeout') {
      phase = 'reclaiming';
      await reclaim(input);
      break;
    }
    phase = 'restoring';
    // A failed restore leaves the server SOFT_DELETED: it still goes when the interval runs out. A delete cancels
    // it as it would a standalone restore, and the wait then ends for the delete to take over.
    const { requester: who, admitted: restoring } = outcome.decision;
    if (await restoreNow({ ...input, requester: who }, restoring)) break;
  }
  phase = 'done';
}

/** The restore after its admission; false when it failed (recorded as the action's error and the fault). */
async function restoreNow(input: InstanceOperationInput, admitted: InstanceRow): Promise<boolean> {
  try {
    await runAdmittedGuestOperation(RESTORE, input, admitted);
    return true;
  } catch (err) {
    log.warn('restore failed: the server stays soft-deleted until the reclaim', { error: String(err) });
    return false;
  }
}

/**
 * The reclaim, recorded as a `delete` action of its own (nobody requested it; Nova's periodic task does it with
 * an admin context, so a lock taken meanwhile does not hold it back). Its admission is a compare-and-set like any
 * other: a server no longer SOFT_DELETED and idle is left alone. Once begun it is not cancellable: a request
 * arriving meanwhile waits for it rather than finding half a delete.
 */
async function reclaim(input: InstanceOperationInput): Promise<void> {
  const requester: Requester = { ...input.requester, requestId: `req-${uuid4()}`, isAdmin: true };
  const reclaiming = { ...input, requester };
  await CancellationScope.nonCancellable(async () => {
    let admitted: InstanceRow;
    try {
      admitted = await admitDeletion(reclaiming, StateRules.reclaim);
    } catch (err) {
      log.info('nothing to reclaim any more', { error: String(err) });
      return;
    }
    await deleteAdmitted(reclaiming, admitted);
  });
}
