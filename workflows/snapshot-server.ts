import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import { StateRules } from '../domain/guards';
import type { SnapshotData } from '../activities/conductor';
import { HostKey } from '../domain/search-attributes';
import { TaskState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { SnapshotServerInput } from './inputs';

const SNAPSHOT_TASKS: readonly string[] = [
  TaskState.ImageSnapshotPending,
  TaskState.ImageSnapshot,
  TaskState.ImagePendingUpload,
  TaskState.ImageUploading,
];

/**
 * createImage: the image record is created queued with the admission (image_snapshot_pending), then
 * image_snapshot → image_pending_upload → image_uploading (image `saving`) while the host copies the guest's disk
 * into the image store as it is, and the image becomes active as the task clears; the vm_state never changes.
 * A failure clears the task with the fault recorded and deletes the image (Nova's delete_image_on_error).
 */
export async function snapshotServerWorkflow(input: SnapshotServerInput): Promise<void> {
  const { instanceUuid, requester, settings, image } = input;
  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  const admission = await gate.admit(() =>
    conductor.admitSnapshot({
      ...requester,
      instanceUuid,
      rule: StateRules.createImage,
      action: 'createImage',
      taskState: TaskState.ImageSnapshotPending,
      requireHost: true,
      image,
      events: [started(EventName.SnapshotInstance)],
    }),
  );
  const admitted = admission?.value;
  if (!admitted?.host) return;
  const host = admitted.host;
  upsertSearchAttributes([{ key: HostKey, value: host }]);
  let task: string = TaskState.ImageSnapshotPending;
  let stored: SnapshotData | undefined;
  const advance = async (next: string) => {
    await conductor.advanceTask({ instanceUuid, expected: task, next });
    task = next;
  };
  try {
    await advance(TaskState.ImageSnapshot);
    await advance(TaskState.ImagePendingUpload);
    await conductor.beginImageUpload({
      instanceUuid,
      expected: task,
      next: TaskState.ImageUploading,
      imageId: image.imageId,
    });
    task = TaskState.ImageUploading;
    stored = await computeOn(settings, host).snapshotDisk.executeWithOptions(
      { summary: `upload the disk of ${admitted.name} on ${host} to image ${image.name}` },
      [instanceUuid, { stage: true, imageId: image.imageId }],
    );
    await conductor.finishSnapshot({
      instanceUuid,
      expected: task,
      requestId: requester.requestId,
      imageId: image.imageId,
      data: stored,
      events: [succeeded(EventName.SnapshotInstance, host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      conductor.failSnapshot({
        instanceUuid,
        expected: task,
        // A delete may cancel this run while a step that advances the task is still in flight.
        orLater: SNAPSHOT_TASKS.slice(SNAPSHOT_TASKS.indexOf(task) + 1),
        requestId: requester.requestId,
        imageId: image.imageId,
        storedSha256: stored?.sha256,
        storedStaged: stored?.staged,
        fault: faultFrom(err),
        events: [failed(EventName.SnapshotInstance, err, host)],
      }),
    );
    throw asWorkflowFailure(err);
  }
}
