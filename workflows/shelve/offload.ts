import { CancellationScope } from '@temporalio/workflow';
import type { OperationSettings } from '../../config';
import { PowerState, TaskState } from '../../domain/states';
import { computeOn, conductorOn } from '../activities';
import { failed, succeeded } from '../events';
import { asWorkflowFailure, faultFrom } from '../failures';

export interface OffloadStep {
  instanceUuid: string;
  name: string;
  host: string;
  requestId: string;
  /** The event this offload ends: compute_shelve_instance when it follows the shelve, else its own. */
  event: string;
}

/**
 * Nova's _shelve_offload_instance, from task shelving_offloading: the guest and its disk leave the host, then the
 * claim is released and the instance has no host (SHELVED_OFFLOADED). Non-cancellable: it is short, and a delete
 * arriving meanwhile is better served by an instance that is offloaded or still shelved than by half of each. A
 * failure clears the task and keeps the instance SHELVED on its host, with the fault recorded.
 */
export async function offloadFromHost(settings: OperationSettings, step: OffloadStep): Promise<void> {
  const conductor = conductorOn(settings);
  const { instanceUuid, host, requestId, event } = step;
  await CancellationScope.nonCancellable(async () => {
    try {
      await computeOn(settings, host).destroy.executeWithOptions(
        { summary: `offload ${step.name}: remove the guest and its disk from ${host}` },
        [instanceUuid],
      );
      await conductor.finishOffload({
        instanceUuid,
        expected: TaskState.ShelvingOffloading,
        requestId,
        powerState: PowerState.Shutdown,
        events: [succeeded(event, host)],
      });
    } catch (err) {
      await conductor.failTask({
        instanceUuid,
        expected: TaskState.ShelvingOffloading,
        requestId,
        fault: faultFrom(err),
        events: [failed(event, err, host)],
      });
      throw asWorkflowFailure(err);
    }
  });
}
