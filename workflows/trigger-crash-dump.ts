import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';
import { FaultType } from '../domain/faults';
import { StateRules } from '../domain/guards';
import { HostKey } from '../domain/search-attributes';
import { computePromptlyOn, conductorOn } from './activities';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { InstanceOperationInput } from './inputs';

/** What became of the request: the API answers 202 once admitted (as Nova's cast), 409 or 404 otherwise. */
export type CrashDumpOutcome = { admitted: true } | { refused: string } | { gone: true };

/**
 * trigger_crash_dump: an NMI into the guest. Nova sets no task_state for it, so it runs beside whatever holds
 * the server, under a server task's ID; the admission still checks the lock and the state and records the
 * action. A host that fails the NMI records the fault and the event's error, and the run fails where the UI shows
 * it; the server's state never changes.
 */
export async function triggerCrashDumpWorkflow(input: InstanceOperationInput): Promise<CrashDumpOutcome> {
  const { instanceUuid, requester, settings } = input;
  const conductor = conductorOn(settings);
  let host: string;
  try {
    const admitted = await conductor.admitCrashDump({
      ...requester,
      instanceUuid,
      rule: StateRules.triggerCrashDump,
      action: 'trigger_crash_dump',
      taskState: null,
      requireHost: true,
      events: [started(EventName.TriggerCrashDump)],
    });
    host = admitted.host!;
  } catch (err) {
    // Conductor steps run as local activities, whose failures reach the workflow as they were thrown.
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure && cause.type === FaultType.InstanceInvalidState) {
      return { refused: cause.message };
    }
    if (cause instanceof ApplicationFailure && cause.type === FaultType.InstanceNotFound) return { gone: true };
    throw err;
  }
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
  return { admitted: true };
}
