import { upsertSearchAttributes } from '@temporalio/workflow';
import { StateRules } from '../domain/guards';
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
  const { instanceUuid, requester, settings } = input;
  const gate = new AdmissionGate();
  const admission = await gate.admit(() =>
    conductorOn(settings).admitOperation({
      ...requester,
      instanceUuid,
      rule: StateRules.shelveOffload,
      action: 'shelveOffload',
      taskState: TaskState.ShelvingOffloading,
      requireHost: true,
      events: [started(EventName.ShelveOffloadInstance)],
    }),
  );
  const admitted = admission?.value;
  if (!admitted?.host) return;
  upsertSearchAttributes([{ key: HostKey, value: admitted.host }]);
  await offloadFromHost(settings, {
    instanceUuid,
    name: admitted.name,
    host: admitted.host,
    requestId: requester.requestId,
    event: EventName.ShelveOffloadInstance,
  });
}
