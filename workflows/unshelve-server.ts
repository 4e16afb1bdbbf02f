import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import { StateRules } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { HostKey } from '../domain/search-attributes';
import { TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { InstanceOperationInput, UnshelveServerInput } from './inputs';
import { unshelveOffloaded } from './unshelve/spawn';

/**
 * unshelve: unshelving, then as Nova's conductor decides by vm_state. SHELVED: powering-on, the guest starts
 * where it is. SHELVED_OFFLOADED: the shelve image is looked up, a host chosen and claimed, the guest spawned
 * there from the image's bytes (spawning), with alternates on a failed spawn. Either way the shelve image is
 * deleted once the guest runs and the server is ACTIVE.
 */
export async function unshelveServerWorkflow(input: UnshelveServerInput): Promise<void> {
  const gate = new AdmissionGate();
  const admission = await gate.admit(() => admitUnshelve(input));
  if (!admission) return;
  const instance = admission.value;
  if (instance.vm_state === VmState.ShelvedOffloaded) await unshelveOffloaded(input, instance);
  else await unshelveInPlace(input, instance);
}

/** unshelve's admission: unshelving and its action. */
export function admitUnshelve(input: InstanceOperationInput): Promise<InstanceRow> {
  return conductorOn(input.settings).admitOperation({
    ...input.requester,
    instanceUuid: input.instanceUuid,
    rule: StateRules.unshelve,
    action: 'unshelve',
    taskState: TaskState.Unshelving,
    requireHost: false,
  });
}

/** The guest is still on its host, powered off: Nova's conductor just starts it (compute_start_instance). */
export async function unshelveInPlace(input: InstanceOperationInput, instance: InstanceRow): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  const conductor = conductorOn(settings);
  const host = instance.host!;
  upsertSearchAttributes([{ key: HostKey, value: host }]);
  let task: string = TaskState.Unshelving;
  try {
    await conductor.advanceTask({
      instanceUuid,
      expected: task,
      next: TaskState.PoweringOn,
      requestId: requester.requestId,
      events: [started(EventName.StartInstance, host)],
    });
    task = TaskState.PoweringOn;
    const facts = await computeOn(settings, host).powerOn.executeWithOptions(
      { summary: `power on ${instance.name} on ${host}` },
      [instanceUuid],
    );
    await conductor.finishUnshelve({
      instanceUuid,
      expected: task,
      requestId: requester.requestId,
      powerState: facts.powerState,
      imageId: instance.shelved_image_id,
      events: [succeeded(EventName.StartInstance, host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      conductor.failTask({
        instanceUuid,
        expected: task,
        requestId: requester.requestId,
        fault: faultFrom(err),
        events: [failed(EventName.StartInstance, err, host)],
      }),
    );
    throw asWorkflowFailure(err);
  }
}
