import { CancellationScope, log, upsertSearchAttributes } from '@temporalio/workflow';
import { StateRules, type StateRule } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { HostKey } from '../domain/search-attributes';
import { TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { asWorkflowFailure, faultFrom, isHostUnreachable } from './failures';
import { EventName, failed, started, succeeded } from './events';
import type { InstanceOperationInput } from './inputs';

/**
 * Delete: deleting, destroy the guest on its host, then the record and every allocation go in one transaction.
 * A host that does not answer gets Nova's local delete: the database is cleaned up and the guest left behind
 * is logged for the host's own cleanup.
 */
export async function deleteServerWorkflow(input: InstanceOperationInput): Promise<void> {
  const gate = new AdmissionGate();
  const admission = await gate.admit(() => admitDeletion(input, StateRules.delete));
  if (!admission) return;
  await deleteAdmitted(input, admission.value);
}

/** A delete's admission (deleting, the `delete` action): by DELETE under `rule`, or a soft delete's reclaim. */
export function admitDeletion(input: InstanceOperationInput, rule: StateRule): Promise<InstanceRow> {
  return conductorOn(input.settings).admitOperation({
    ...input.requester,
    instanceUuid: input.instanceUuid,
    rule,
    action: 'delete',
    taskState: TaskState.Deleting,
    requireHost: false,
    events: [started(EventName.Terminate)],
  });
}

/**
 * The delete after its admission (deleting set): the guest destroyed on its host, then the record and its
 * allocations gone; a failure leaves the instance in ERROR with the fault. The reclaim of a soft-deleted server
 * ends the same way.
 */
export async function deleteAdmitted(input: InstanceOperationInput, admitted: InstanceRow): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  const conductor = conductorOn(settings);
  try {
    if (admitted.host) {
      upsertSearchAttributes([{ key: HostKey, value: admitted.host }]);
      await destroyGuest(input, admitted.host, admitted.name);
    }
    await conductor.markDeleted({
      instanceUuid,
      requestId: requester.requestId,
      events: [succeeded(EventName.Terminate, admitted.host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      conductor.failTask({
        instanceUuid,
        expected: TaskState.Deleting,
        requestId: requester.requestId,
        fault: faultFrom(err),
        vmState: VmState.Error,
        events: [failed(EventName.Terminate, err, admitted.host)],
      }),
    );
    throw asWorkflowFailure(err);
  }
}

async function destroyGuest(input: InstanceOperationInput, host: string, name: string): Promise<void> {
  try {
    await computeOn(input.settings, host).destroy.executeWithOptions({ summary: `destroy ${name} on ${host}` }, [
      input.instanceUuid,
    ]);
  } catch (err) {
    if (!isHostUnreachable(err)) throw err;
    log.warn('host unreachable: deleting locally, the guest stays on the host', { host, error: String(err) });
  }
}
