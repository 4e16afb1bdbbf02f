import { upsertSearchAttributes } from '@temporalio/workflow';
import { StateRules } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { HostKey } from '../domain/search-attributes';
import { TaskState } from '../domain/states';
import { conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { EventName, started } from './events';
import type { InstanceOperationInput } from './inputs';
import { offloadFromHost } from './shelve/offload';

/**
 * shelveOffload (admin): shelving_offloading, the guest and its disk leave the host, the claim is released,
 * SHELVED_OFFLOADED with no host. A failure keeps the instance SHELVED, task cleared, fault recorded.
 */
export async function shelveOffloadServerWorkflow(input: InstanceOperationInput): Promise<void> {
  const gate = new AdmissionGate();
  const admission = await gate.admit(() => admitShelveOffload(input));
  const admitted = admission?.value;
  if (!admitted?.host) return;
  upsertSearchAttributes([{ key: HostKey, value: admitted.host }]);
  await offloadAdmitted(input, admitted);
}

/** shelveOffload's admission: shelving_offloading, its action and compute_shelve_offload_instance started. */
export function admitShelveOffload(input: InstanceOperationInput): Promise<InstanceRow> {
  return conductorOn(input.settings).admitOperation({
    ...input.requester,
    instanceUuid: input.instanceUuid,
    rule: StateRules.shelveOffload,
    action: 'shelveOffload',
    taskState: TaskState.ShelvingOffloading,
    requireHost: true,
    events: [started(EventName.ShelveOffloadInstance)],
  });
}

/** The offload once admitted, on the host the server is shelved on. */
export async function offloadAdmitted(input: InstanceOperationInput, admitted: InstanceRow): Promise<void> {
  await offloadFromHost(input.settings, {
    instanceUuid: input.instanceUuid,
    name: admitted.name,
    host: admitted.host!,
    requestId: input.requester.requestId,
    event: EventName.ShelveOffloadInstance,
  });
}
