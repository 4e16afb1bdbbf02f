import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  log,
  setHandler,
  uuid4,
} from '@temporalio/workflow';
import type { Requester } from '../activities/conductor';
import { StateRules } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { TaskState, VmState } from '../domain/states';
import { AdmissionGate, refusal } from './admission';
import { admitDeletion, deleteAdmitted } from './delete-server';
import { EventName } from './events';
import { asWorkflowFailure } from './failures';
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
  let decision: Decision | undefined;
  let deciding = false;
  setHandler(softDeletePhaseQuery, () => phase);
  // The API sees SOFT_DELETED as soon as the conductor records it, a moment before this run starts to wait: a
  // request arriving in that moment waits for the wait to begin rather than being refused.
  const validator = (_who: Requester) => {
    if ((phase !== 'waiting' && phase !== 'soft-deleting') || decision || deciding) {
      throw new Error(NOT_WAITING_FOR_RECLAIM);
    }
  };
  const restore = async (who: Requester) => {
    await condition(() => phase !== 'soft-deleting');
    if (phase !== 'waiting' || decision || deciding) {
      throw ApplicationFailure.nonRetryable(NOT_WAITING_FOR_RECLAIM, 'NotWaiting');
    }
    deciding = true;
    try {
      // Not cancellable: a delete arriving meanwhile must find the admission decided, not cut off after its commit.
      const admitted = await CancellationScope.nonCancellable(() =>
        admitGuestOperation(RESTORE, { ...input, requester: who }),
      );
      decision = { requester: who, admitted };
    } catch (err) {
      throw refusal(err);
    } finally {
      deciding = false;
    }
  };
  setHandler(restoreUpdate, restore, { validator });

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
  phase = 'waiting';
  const reclaimAt = Date.now() + settings.reclaimInstanceIntervalMs;
  for (;;) {
    waitingOn('the reclaim interval to pass, or a restore');
    const outcome = await awaitDecision(
      reclaimAt,
      () => decision,
      () => deciding,
    );
    if (outcome instanceof CancelledFailure) {
      phase = 'done';
      throw outcome;
    }
    if (outcome === 'timeout') {
      phase = 'reclaiming';
      await reclaim(input);
      break;
    }
    const { requester: who, admitted: restoring } = decision!;
    phase = 'restoring';
    // Carried out even when a delete cancels the run meanwhile: the request that asked for it was answered.
    const done = await CancellationScope.nonCancellable(() => restoreNow({ ...input, requester: who }, restoring));
    if (done) break;
    // A failed restore leaves the server SOFT_DELETED: it still goes when the interval runs out.
    decision = undefined;
    phase = 'waiting';
  }
  phase = 'done';
}

/**
 * Waits until a restore is admitted or the reclaim is due. A reclaim due while a restore's admission is in flight
 * waits for it. A cancellation (forceDelete, another delete, a reset, an operator) ends the wait unless a restore
 * was admitted, and the run then ends Canceled: the server stays SOFT_DELETED for whatever cancelled it.
 */
async function awaitDecision(
  reclaimAt: number,
  decided: () => Decision | undefined,
  deciding: () => boolean,
): Promise<'decided' | 'timeout' | CancelledFailure> {
  let cancelled: CancelledFailure | undefined;
  try {
    // At least 1 ms: the reclaim may be due already once a failed restore is over.
    if (await condition(() => decided() !== undefined, Math.max(1, reclaimAt - Date.now()))) return 'decided';
  } catch (err) {
    if (!(err instanceof CancelledFailure)) throw asWorkflowFailure(err);
    cancelled = err;
  }
  await CancellationScope.nonCancellable(() => condition(() => !deciding()));
  if (decided()) return 'decided';
  return cancelled ?? 'timeout';
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
