import { upsertSearchAttributes } from '@temporalio/workflow';
import { StateRules } from '../domain/guards';
import { HostKey } from '../domain/search-attributes';
import { computePromptlyOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { InstanceOperationInput } from './inputs';

/**
 * trigger_crash_dump: an NMI into the guest. Nova sets no task_state for it, so it runs beside whatever holds the
 * server, under a server task's ID; its admission still checks the lock, the host and the state and records the
 * action, and the API answers once it is admitted, as after Nova's cast. A host that fails the NMI records the
 * fault and the event's error, and the run fails where the UI shows it; the server's state never changes.
 */
export async function triggerCrashDumpWorkflow(input: InstanceOperationInput): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  const admission = await gate.admit(() =>
    conductor.admitCrashDump({
      ...requester,
      instanceUuid,
      rule: StateRules.triggerCrashDump,
      action: 'trigger_crash_dump',
      taskState: null,
      requireHost: true,
      events: [started(EventName.TriggerCrashDump)],
    }),
  );
  const host = admission?.value.host;
  if (!host) return;
  upsertSearchAttributes([{ key: HostKey, value: host }]);
  const { requestId } = requester;
  try {
    await computePromptlyOn(settings, host).triggerCrashDump(instanceUuid);
  } catch (err) {
    const events = [failed(EventName.TriggerCrashDump, err, host)];
    await conductor.finishCrashDump({ instanceUuid, requestId, events, fault: faultFrom(err) });
    throw asWorkflowFailure(err);
  }
  await conductor.finishCrashDump({ instanceUuid, requestId, events: [succeeded(EventName.TriggerCrashDump, host)] });
}
