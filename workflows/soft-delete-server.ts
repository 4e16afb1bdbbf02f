import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  log,
  setHandler,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { Requester } from '../activities/conductor';
import { StateRules } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { HostKey } from '../domain/search-attributes';
import { TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate, refusal } from './admission';
import { deleteAdmitted } from './delete-server';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom, isHostUnreachable } from './failures';
import { admitGuestOperation, runAdmittedGuestOperation } from './guest-operation';
import type { InstanceOperationInput } from './inputs';
import { waitingOn } from './progress';
import { RESTORE } from './restore-server';
import {
  NOT_WAITING_FOR_RECLAIM,
  restoreUpdate,
  softDeletePhaseQuery,
  type SoftDeletePhase,
} from './soft-delete/messages';

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
 * deleted for good. A host that does not answer still gets a soft delete, recorded without it (Nova deletes such a
 * server at once): the guest is left as it is, and a restore once the host is back starts it again.
 */
export async function softDeleteServerWorkflow(input: InstanceOperationInput): Promise<void> {
  const { instanceUuid, requester, settings } = input;
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
  const admission = await gate.admit(() =>
    conductorOn(settings).admitOperation({
      ...requester,
      instanceUuid,
      rule: StateRules.softDelete,
      action: 'delete',
      taskState: TaskState.SoftDeleting,
      requireHost: true,
      events: [started(EventName.SoftDelete)],
    }),
  );
  const admitted = admission?.value;
  if (!admitted?.host) return;
  upsertSearchAttributes([{ key: HostKey, value: admitted.host }]);
  phase = 'soft-deleting';
  try {
    await softDeleteOnHost(input, admitted);
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

/** Powers the guest off and records SOFT_DELETED; a failure clears the task and keeps the vm_state, as Nova. */
async function softDeleteOnHost(input: InstanceOperationInput, instance: InstanceRow): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  const conductor = conductorOn(settings);
  const host = instance.host!;
  try {
    const powerState = await powerOffUnlessUnreachable(input, instance);
    await conductor.finishTask({
      instanceUuid,
      expected: TaskState.SoftDeleting,
      requestId: requester.requestId,
      vmState: VmState.SoftDeleted,
      powerState,
      events: [succeeded(EventName.SoftDelete, host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      conductor.failTask({
        instanceUuid,
        expected: TaskState.SoftDeleting,
        requestId: requester.requestId,
        fault: faultFrom(err),
        events: [failed(EventName.SoftDelete, err, host)],
      }),
    );
    throw asWorkflowFailure(err);
  }
}

async function powerOffUnlessUnreachable(input: InstanceOperationInput, instance: InstanceRow): Promise<number> {
  const host = instance.host!;
  try {
    const facts = await computeOn(input.settings, host).powerOff.executeWithOptions(
      { summary: `power off ${instance.name} on ${host} (soft delete)` },
      [input.instanceUuid],
    );
    return facts.powerState;
  } catch (err) {
    if (!isHostUnreachable(err)) throw err;
    log.warn('host unreachable: soft-deleting without it, the guest is left as it is', { host, error: String(err) });
    return instance.power_state;
  }
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
      admitted = await conductorOn(input.settings).admitOperation({
        ...requester,
        instanceUuid: input.instanceUuid,
        rule: StateRules.reclaim,
        action: 'delete',
        taskState: TaskState.Deleting,
        requireHost: false,
        events: [started(EventName.Terminate)],
      });
    } catch (err) {
      log.info('nothing to reclaim any more', { error: String(err) });
      return;
    }
    await deleteAdmitted(reclaiming, admitted);
  });
}
