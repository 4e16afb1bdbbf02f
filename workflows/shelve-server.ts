import { CancellationScope, log, setHandler, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { Requester, SnapshotData } from '../activities/conductor';
import { StateRules } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import { HostKey } from '../domain/search-attributes';
import { TaskState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { DecisionWindow } from './decision-window';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { SnapshotServerInput } from './inputs';
import { admitShelveOffload, offloadAdmitted } from './shelve-offload-server';
import {
  NOT_WAITING,
  endOffloadWaitUpdate,
  shelvePhaseQuery,
  shelvedDecisionUpdate,
  type ShelvedDecision,
  type ShelvePhase,
} from './shelve/messages';
import { waitingOn } from './progress';
import { offloadFromHost } from './shelve/offload';
import { restorePower } from './shelve/restore-power';
import { admitUnshelve, unshelveInPlace } from './unshelve-server';

/** A request the conductor admitted while the run waited: what the run carries out next. */
interface Admitted {
  decision: ShelvedDecision;
  instance: InstanceRow;
}

/** What the older endOffloadWait decides: nothing for this run to carry out, the API starts the next operation. */
const WAIT_ENDED = 'wait-ended';

/**
 * shelve: shelving → shelving_image_pending_upload → shelving_image_uploading while the host powers the guest off
 * and uploads its disk to `<name>-shelved`; then SHELVED. Nova's shelved_offload_time decides what follows: 0
 * offloads in the same action, a positive time waits on a durable timer and then offloads as an action of its
 * own, a negative one never offloads. During the wait unshelve and shelveOffload are updates that this run admits
 * and carries out itself (a refused one leaves the timer running); a delete cancels the wait.
 */
export async function shelveServerWorkflow(input: SnapshotServerInput): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  let phase: ShelvePhase = 'admitting';
  const offloadTimeMs = settings.shelvedOffloadTimeMs;
  setHandler(shelvePhaseQuery, () => phase);
  const window = new DecisionWindow<Admitted | typeof WAIT_ENDED>(() => {
    if (phase === 'waiting') return 'open';
    return phase === 'shelving' && offloadTimeMs > 0 ? 'ahead' : 'closed';
  }, NOT_WAITING);
  setHandler(
    shelvedDecisionUpdate,
    (decision) =>
      window.decide(async () => ({
        decision,
        instance: await admitDecision({ ...input, requester: decision.requester }, decision),
      })),
    {
      validator: (decision) => {
        checkDecision(decision);
        window.validate();
      },
    },
  );
  setHandler(endOffloadWaitUpdate, (_who: Requester) => window.decide(async () => WAIT_ENDED), {
    validator: (_who: Requester) => window.validate(),
  });

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
  try {
    await shelveOnHost(input, admitted, offloadTimeMs === 0);
  } catch (err) {
    // A request held for the wait hears that none is coming.
    phase = 'done';
    throw err;
  }
  if (offloadTimeMs === 0) {
    phase = 'offloading';
    await offloadFromHost(settings, {
      instanceUuid,
      name: admitted.name,
      host: admitted.host,
      requestId: requester.requestId,
      event: EventName.ShelveInstance,
    });
  } else if (offloadTimeMs > 0) {
    const offloadAt = Date.now() + offloadTimeMs;
    for (;;) {
      phase = 'waiting';
      waitingOn('the offload time to pass, or unshelve or shelveOffload');
      const outcome = await window.wait(offloadAt);
      if (outcome.ended === 'decided' && outcome.decision !== WAIT_ENDED) {
        phase = outcome.decision.decision.next === 'unshelve' ? 'unshelving' : 'offloading';
        // A failure leaves the server SHELVED where it is, with the fault: the offload time still applies. A delete
        // cancels it as it would a standalone unshelve, and the wait then ends for the delete to take over.
        if (await carryOut(input, outcome.decision)) break;
        continue;
      }
      if (outcome.ended === 'timeout') {
        phase = 'offloading';
        await offloadLater(input);
      }
      // A delete leaves the shelve complete: the run ends as it is and the delete takes over.
      break;
    }
  }
  phase = 'done';
}

/** The validator's check of what is asked: an update from outside the API may carry anything. */
function checkDecision(decision: ShelvedDecision): void {
  if (decision?.next !== 'unshelve' && decision?.next !== 'shelveOffload') throw new Error('unknown decision');
}

function admitDecision(input: SnapshotServerInput, decision: ShelvedDecision): Promise<InstanceRow> {
  return decision.next === 'unshelve' ? admitUnshelve(input) : admitShelveOffload(input);
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

/** The unshelve (in place) or offload admitted during the wait; false when it failed (recorded with its fault). */
async function carryOut(input: SnapshotServerInput, next: Admitted): Promise<boolean> {
  const asked = { ...input, requester: next.decision.requester };
  try {
    if (next.decision.next === 'unshelve') await unshelveInPlace(asked, next.instance);
    else await offloadAdmitted(asked, next.instance);
    return true;
  } catch (err) {
    log.warn(`${next.decision.next} failed: the server stays shelved until the offload time`, { error: String(err) });
    return false;
  }
}

/**
 * The offload after the wait, recorded as its own shelveOffload action (nobody requested it; Nova's periodic
 * task does it in the background). Its admission is a compare-and-set like any other: should the instance no
 * longer be SHELVED and idle, there is nothing to offload.
 */
async function offloadLater(input: SnapshotServerInput): Promise<void> {
  // Nova's periodic task offloads with an admin context: a lock taken since the shelve does not hold it back.
  const requester: Requester = { ...input.requester, requestId: `req-${uuid4()}`, isAdmin: true };
  // Once the timer has fired the offload is under way: a delete arriving now waits for it rather than
  // leaving an admitted offload (task shelving_offloading) behind.
  const offloading = { ...input, requester };
  await CancellationScope.nonCancellable(async () => {
    let admitted: InstanceRow;
    try {
      admitted = await admitShelveOffload(offloading);
    } catch (err) {
      log.info('nothing to offload any more', { error: String(err) });
      return;
    }
    await offloadAdmitted(offloading, admitted);
  });
}
