import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import type { SnapshotData } from '../../activities/conductor';
import type { StateRule } from '../../domain/guards';
import { HostKey } from '../../domain/search-attributes';
import { TaskState } from '../../domain/states';
import { computeOn, conductorOn } from '../activities';
import { AdmissionGate } from '../admission';
import { failed, started, succeeded } from '../events';
import { asWorkflowFailure, faultFrom } from '../failures';
import type { SnapshotServerInput } from '../inputs';

/** What tells createImage and createBackup apart: Nova's names for them and the task_states each passes. */
export interface GuestImageKind {
  rule: StateRule;
  /** The instance action's name. */
  action: string;
  /** The compute event the upload is recorded under. */
  event: string;
  /** The task_states up to image_pending_upload: the admission sets the first, the steps advance through the rest. */
  tasksBeforeUpload: readonly string[];
}

/**
 * A guest's disk made into an image: the image record is created queued with the admission, the task_state moves
 * through the kind's states to image_pending_upload, then image_uploading (image `saving`) while the host copies
 * the disk into the image store as it is, and the image becomes active as the task clears (a backup's older
 * backups rotating out in the same step); the vm_state never changes. A failure clears the task with the fault
 * recorded and deletes the image (Nova's delete_image_on_error).
 */
export async function uploadGuestImage(input: SnapshotServerInput, kind: GuestImageKind): Promise<void> {
  const { instanceUuid, requester, settings, image } = input;
  const tasks = [...kind.tasksBeforeUpload, TaskState.ImageUploading];
  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  const admission = await gate.admit(() =>
    conductor.admitSnapshot({
      ...requester,
      instanceUuid,
      rule: kind.rule,
      action: kind.action,
      taskState: tasks[0]!,
      requireHost: true,
      image,
      events: [started(kind.event)],
    }),
  );
  const admitted = admission?.value;
  if (!admitted?.host) return;
  const host = admitted.host;
  upsertSearchAttributes([{ key: HostKey, value: host }]);
  let task: string = tasks[0]!;
  let stored: SnapshotData | undefined;
  try {
    for (const next of kind.tasksBeforeUpload.slice(1)) {
      await conductor.advanceTask({ instanceUuid, expected: task, next });
      task = next;
    }
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
      rotation: image.backup,
      events: [succeeded(kind.event, host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      conductor.failSnapshot({
        instanceUuid,
        expected: task,
        // A delete may cancel this run while a step that advances the task is still in flight.
        orLater: tasks.slice(tasks.indexOf(task) + 1),
        requestId: requester.requestId,
        imageId: image.imageId,
        storedSha256: stored?.sha256,
        storedStaged: stored?.staged,
        fault: faultFrom(err),
        events: [failed(kind.event, err, host)],
      }),
    );
    throw asWorkflowFailure(err);
  }
}
