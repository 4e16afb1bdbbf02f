import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { Requester, SnapshotData } from '../activities/conductor';
import { StateRules } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { HostKey } from '../domain/search-attributes';
import { TaskState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { SnapshotServerInput } from './inputs';
import { NOT_WAITING, endOffloadWaitUpdate, shelvePhaseQuery, type ShelvePhase } from './shelve/messages';
import { waitingOn } from './progress';
import { offloadFromHost } from './shelve/offload';
import { restorePower } from './shelve/restore-power';

/**
 * shelve: shelving → shelving_image_pending_upload → shelving_image_uploading while the host powers the guest off
 * and uploads its disk to `<name>-shelved`; then SHELVED. Nova's shelved_offload_time decides what follows: 0
 * offloads in the same action, a positive time waits on a durable timer (unshelve and shelveOffload end the wait,
 * a delete cancels it) and then offloads as an action of its own, a negative one never offloads.
 */
export async function shelveServerWorkflow(input: SnapshotServerInput): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  let phase: ShelvePhase = 'admitting';
  let waitEnded = false;
  const offloadTimeMs = settings.shelvedOffloadTimeMs;
  setHandler(shelvePhaseQuery, () => phase);
  // The API sees SHELVED as soon as the conductor records it, a moment before this run starts to wait: a request
  // arriving in that moment waits for the wait to begin rather than being refused.
  const validator = (_who: Requester) => {
    const waitAhead = phase === 'shelving' && offloadTimeMs > 0;
    if ((phase !== 'waiting' && !waitAhead) || waitEnded) throw new Error(NOT_WAITING);
  };
  const endWait = async (_who: Requester) => {
    await condition(() => phase !== 'shelving');
    if (phase !== 'waiting' || waitEnded) throw ApplicationFailure.nonRetryable(NOT_WAITING, 'NotWaiting');
    waitEnded = true;
  };
  setHandler(endOffloadWaitUpdate, endWait, { validator });

  const gate = new AdmissionGate();
  const admission = await gate.admit(() =>
    conductorOn(settings).admitSnapshot({
      ...requester,
      instanceUuid,
      rule: StateRules.shelve,
      action: 'shelve',
      taskState: TaskState.Shelving,
      requireHost: true,
      image: input.image,
      events: [started(EventName.ShelveInstance)],
    }),
  );
  const admitted = admission?.value;
  if (!admitted?.host) return;
  upsertSearchAttributes([{ key: HostKey, value: admitted.host }]);
  phase = 'shelving';
  await shelveOnHost(input, admitted, offloadTimeMs === 0);
  const offload = { instanceUuid, name: admitted.name, host: admitted.host };
  if (offloadTimeMs === 0) {
    phase = 'offloading';
    await offloadFromHost(settings, { ...offload, requestId: requester.requestId, event: EventName.ShelveInstance });
  } else if (offloadTimeMs > 0) {
    phase = 'waiting';
    waitingOn('the offload time to pass, or unshelve or shelveOffload');
    if (await offloadWaitRanOut(offloadTimeMs, () => waitEnded)) {
      phase = 'offloading';
      await offloadLater(input, offload);
    }
  }
  phase = 'done';
}

/** Powers the guest off and uploads its disk; a failure restores the guest and deletes the image. */
async function shelveOnHost(input: SnapshotServerInput, instance: InstanceRow, offload: boolean): Promise<void> {
  const { instanceUuid, requester, settings, image } = input;
  const conductor = conductorOn(settings);
  const host = instance.host!;
  const compute = computeOn(settings, host);
  let task: string = TaskState.Shelving;
  let stored: SnapshotData | undefined;
  try {
    const off = await compute.powerOff.executeWithOptions({ summary: `power off ${instance.name} on ${host}` }, [
      instanceUuid,
    ]);
    await conductor.advanceTask({ instanceUuid, expected: task, next: TaskState.ShelvingImagePendingUpload });
    task = TaskState.ShelvingImagePendingUpload;
    await conductor.beginImageUpload({
      instanceUuid,
      expected: task,
      next: TaskState.ShelvingImageUploading,
      imageId: image.imageId,
    });
    task = TaskState.ShelvingImageUploading;
    stored = await compute.snapshotDisk.executeWithOptions(
      { summary: `upload the disk of ${instance.name} on ${host} to image ${image.name}` },
      [instanceUuid, { stage: true, imageId: image.imageId }],
    );
    await conductor.finishShelve({
      instanceUuid,
      expected: task,
      requestId: requester.requestId,
      imageId: image.imageId,
      data: stored,
      powerState: off.powerState,
      host,
      offload,
      events: offload ? [] : [succeeded(EventName.ShelveInstance, host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      // Even a power-off that failed may have stopped the guest: bring it back as it was in any case.
      const powerState = await restorePower(settings, instanceUuid, host, instance.power_state);
      await conductor.failSnapshot({
        instanceUuid,
        expected: task,
        requestId: requester.requestId,
        imageId: image.imageId,
        storedSha256: stored?.sha256,
        storedStaged: stored?.staged,
        fault: faultFrom(err),
        powerState,
        events: [failed(EventName.ShelveInstance, err, host)],
      });
    });
    throw asWorkflowFailure(err);
  }
}

/** True when the offload time ran out; false when unshelve or shelveOffload ended the wait, or a delete. */
async function offloadWaitRanOut(timeMs: number, ended: () => boolean): Promise<boolean> {
  try {
    return !(await condition(ended, timeMs));
  } catch (err) {
    // A delete cancels the wait: the shelve is complete, so the run ends as it is and the delete takes over.
    if (isCancellation(err)) return false;
    throw asWorkflowFailure(err);
  }
}

/**
 * The offload after the wait, recorded as its own shelveOffload action (nobody requested it; Nova's periodic
 * task does it in the background). Its admission is a compare-and-set like any other: should the instance no
 * longer be SHELVED and idle, there is nothing to offload.
 */
async function offloadLater(
  input: SnapshotServerInput,
  offload: { instanceUuid: string; name: string; host: string },
): Promise<void> {
  // Nova's periodic task offloads with an admin context: a lock taken since the shelve does not hold it back.
  const requester: Requester = { ...input.requester, requestId: `req-${uuid4()}`, isAdmin: true };
  // Once the timer has fired the offload is under way: a delete arriving now waits for it rather than
  // leaving an admitted offload (task shelving_offloading) behind.
  await CancellationScope.nonCancellable(async () => {
    try {
      await conductorOn(input.settings).admitOperation({
        ...requester,
        instanceUuid: offload.instanceUuid,
        rule: StateRules.shelveOffload,
        action: 'shelveOffload',
        taskState: TaskState.ShelvingOffloading,
        requireHost: true,
        events: [started(EventName.ShelveOffloadInstance)],
      });
    } catch (err) {
      log.info('nothing to offload any more', { error: String(err) });
      return;
    }
    await offloadFromHost(input.settings, {
      ...offload,
      requestId: requester.requestId,
      event: EventName.ShelveOffloadInstance,
    });
  });
}
