import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import { hasPatch } from './patches';
import type { ActionEvent } from '../activities/conductor/events';
import { StateRules } from '../domain/guards';
import { HostKey } from '../domain/search-attributes';
import { TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { asWorkflowFailure, faultFrom } from './failures';
import { EventName, failed, started, succeeded } from './events';
import type { RebuildServerInput } from './inputs';

/** Patch: a rebuild that fails before the disk swap restores the previous image_ref. */
const REBUILD_RESTORES_IMAGE = 'rebuild-restores-image-before-swap';

/**
 * rebuild: the same host, the same flavor (no claim), a new disk from the new image.
 *
 * Admission is Nova's API save: rebuilding, with the new image, name, metadata and the rest written at once
 * (`rebuild_server` starts). Then rebuild_block_device_mapping (`compute_rebuild_instance` starts on the host),
 * rebuild_spawning, and the compute step: power off, the new disk written beside the old one and swapped in,
 * boot. The instance ends active, with launched_at renewed; one that was stopped is brought back to stopped
 * the way Nova does it: active and powering-off, then a stop (`compute_stop_instance`, in the same action).
 * Any failure, a delete's cancellation included, puts it in error with the fault (Nova's rule for rebuild). Unlike
 * Nova, a rebuild that ends before the host swapped the disk gives the instance its previous image back: the
 * guest still has that image's disk, and image_ref says what the disk is.
 */
export async function rebuildServerWorkflow(input: RebuildServerInput): Promise<void> {
  const { instanceUuid, requester, settings, changes } = input;
  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  // The conductor's part runs on no host in particular.
  const conductorStep = started(EventName.RebuildServer, null);
  const admission = await gate.admit(() =>
    conductor.admitRebuild({
      ...requester,
      instanceUuid,
      rule: StateRules.rebuild,
      action: 'rebuild',
      taskState: TaskState.Rebuilding,
      requireHost: true,
      changes,
      events: [conductorStep],
    }),
  );
  const admitted = admission?.value;
  if (!admitted?.host) return;
  const host = admitted.host;
  upsertSearchAttributes([{ key: HostKey, value: host }]);
  const wasStopped = admitted.vm_state === VmState.Stopped;
  const { requestId } = requester;
  let task: string = TaskState.Rebuilding;
  /** The event running when a failure strikes. */
  let current: ActionEvent = conductorStep;
  /**
   * Whether the host's rebuild step returned: until then the old disk is whole (the step writes the new one beside
   * it and renames it over the old one last; a failed or cancelled step removes what it wrote).
   */
  let diskSwapped = false;

  try {
    const rebuilding = started(EventName.RebuildInstance, host);
    await conductor.advanceTask({
      instanceUuid,
      expected: task,
      next: TaskState.RebuildBlockDeviceMapping,
      requestId,
      events: [succeeded(conductorStep.name, null), rebuilding],
    });
    task = TaskState.RebuildBlockDeviceMapping;
    current = rebuilding;
    // No volumes to attach: the fake hypervisor's only disk is the root disk.
    await conductor.advanceTask({ instanceUuid, expected: task, next: TaskState.RebuildSpawning });
    task = TaskState.RebuildSpawning;

    const compute = computeOn(settings, host);
    const facts = await compute.rebuild.executeWithOptions(
      { summary: `rebuild ${admitted.name} on ${host} from image ${changes.imageId}` },
      [
        {
          instanceUuid,
          name: admitted.name,
          flavor: admitted.flavor,
          imageId: changes.imageId,
          imageSha256: input.imageSha256 ?? undefined,
          rebuildId: requestId,
          projectId: admitted.project_id,
        },
      ],
    );
    diskSwapped = true;
    if (!wasStopped) {
      await conductor.finishTask({
        instanceUuid,
        expected: task,
        requestId,
        vmState: VmState.Active,
        powerState: facts.powerState,
        launched: true,
        events: [succeeded(rebuilding.name, host)],
      });
      return;
    }

    const stopping = started(EventName.StopInstance, host);
    await conductor.advanceTask({
      instanceUuid,
      expected: task,
      next: TaskState.PoweringOff,
      vmState: VmState.Active,
      powerState: facts.powerState,
      launched: true,
      requestId,
      events: [succeeded(rebuilding.name, host), stopping],
    });
    task = TaskState.PoweringOff;
    current = stopping;
    const off = await compute.powerOff.executeWithOptions(
      { summary: `power ${admitted.name} off on ${host}: it was stopped before the rebuild` },
      [instanceUuid],
    );
    await conductor.finishTask({
      instanceUuid,
      expected: task,
      requestId,
      vmState: VmState.Stopped,
      powerState: off.powerState,
      events: [succeeded(stopping.name, host)],
    });
  } catch (err) {
    const failure = {
      instanceUuid,
      expected: task,
      requestId,
      fault: faultFrom(err),
      vmState: VmState.Error,
      events: [failed(current.name, err, current.host)],
    };
    // Admissions recorded before the previous image was returned carry none: those runs fail as Nova does.
    const { previousImageId } = admitted;
    const restore = !diskSwapped && previousImageId !== undefined && hasPatch(REBUILD_RESTORES_IMAGE);
    await CancellationScope.nonCancellable(() =>
      restore
        ? conductor.failRebuildBeforeSwap({ ...failure, imageId: changes.imageId, previousImageId })
        : conductor.failTask(failure),
    );
    throw asWorkflowFailure(err);
  }
}
