import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { hasPatch } from './patches';
import type { Requester } from '../activities/conductor';
import { FaultType } from '../domain/faults';
import { StateRules } from '../domain/guards';
import { TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { asWorkflowFailure, faultFrom } from './failures';
import { EventName, started, succeeded, failed } from './events';
import type { ResizeServerInput } from './inputs';
import { waitingOn } from './progress';
import {
  NOT_RESIZED,
  confirmResizeUpdate,
  resizePhaseQuery,
  revertResizeUpdate,
  type ResizePhase,
} from './resize/messages';
import { moveToDestination, removeTransfer, restoreSourcePower, type Placement } from './resize/move';

/** A decision answered as a delete cancels the run is carried out, not replaced by an implicit confirm. */
const DECISION_BEFORE_DELETE = 'decision-before-delete';
/** A failed revert ends its migration in error with the instance back on its source (failRevert). */
const REVERT_FAILURE_ENDS_MIGRATION = 'revert-failure-ends-migration';

interface Decision {
  kind: 'confirm' | 'revert';
  requester: Requester;
  automatic?: boolean;
}

/**
 * Cold migrate and resize, one workflow from admission to the end of VERIFY_RESIZE: it stays open while the
 * user decides, so confirm and revert are updates on it, and the auto-confirm window is a durable timer here.
 */
export async function resizeServerWorkflow(input: ResizeServerInput): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  let phase: ResizePhase = 'admitting';
  let decision: Decision | undefined;
  setHandler(resizePhaseQuery, () => phase);
  // The API sees VERIFY_RESIZE as soon as the conductor records it, a moment before this run reaches 'verify':
  // a decision arriving in that moment waits for it rather than being refused.
  const validator = (_who: Requester) => {
    if ((phase !== 'verify' && phase !== 'migrating') || decision) throw new Error(NOT_RESIZED);
  };
  let revertRecorded = false;
  const decide = (kind: Decision['kind']) => async (who: Requester) => {
    await condition(() => phase !== 'migrating');
    if (phase !== 'verify' || decision) throw ApplicationFailure.nonRetryable(NOT_RESIZED, FaultType.NotResized);
    decision = { kind, requester: who };
    // Nova's revertResize answers once the API has recorded resize_reverting: a GET after the 202 shows
    // REVERT_RESIZE, never VERIFY_RESIZE, and never waits for the whole revert.
    // Runs recorded before this answered at once (patched keeps their replay unchanged).
    if (kind === 'revert' && hasPatch('revert-answers-once-reverting')) {
      await condition(() => revertRecorded || phase === 'done');
    }
  };
  setHandler(confirmResizeUpdate, decide('confirm'), { validator });
  setHandler(revertResizeUpdate, decide('revert'), { validator });

  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  const resizing = input.newFlavor !== null;
  const admission = await gate.admit(() =>
    conductor.admitOperation({
      ...requester,
      instanceUuid,
      rule: resizing ? StateRules.resize : StateRules.migrate,
      action: resizing ? 'resize' : 'migrate',
      taskState: TaskState.ResizePrep,
      requireHost: true,
    }),
  );
  if (!admission) return;
  const instance = admission.value;
  const migrationUuid = uuid4();
  const { workflowId, runId } = workflowInfo();

  phase = 'migrating';
  let placement: Placement;
  try {
    await conductor.startMigration({
      ...requester,
      migrationUuid,
      instanceUuid,
      migrationType: resizing ? 'resize' : 'migration',
      newFlavor: input.newFlavor ?? instance.flavor,
      workflowId,
      runId,
      events: [started(EventName.MigrateServer)],
    });
    placement = await moveToDestination(input, instance, migrationUuid);
  } catch (err) {
    phase = 'rolled-back';
    throw asWorkflowFailure(err);
  }
  phase = 'verify';
  await removeTransfer(input, placement.dest, migrationUuid);

  waitingOn('confirmResize or revertResize');
  try {
    const window = settings.resizeConfirmWindowMs;
    if (window <= 0) await condition(() => decision !== undefined);
    else if (!(await condition(() => decision !== undefined, window))) {
      decision = { kind: 'confirm', requester: systemRequester(requester), automatic: true };
    }
  } catch (err) {
    // Nova confirms a resize before deleting the server: a delete cancels this run while it waits.
    if (!isCancellation(err)) throw asWorkflowFailure(err);
    // A decision answered in the same moment as the delete's cancellation is the user's: it runs as answered.
    const answered = hasPatch(DECISION_BEFORE_DELETE) ? decision : undefined;
    const implicit: Decision = answered ?? { kind: 'confirm', requester: systemRequester(requester), automatic: true };
    await CancellationScope.nonCancellable(() =>
      implicit.kind === 'confirm'
        ? confirm(input, placement, implicit)
        : revert(input, placement, implicit, instance.vm_state, () => (revertRecorded = true)),
    );
    throw err;
  }
  await CancellationScope.nonCancellable(async () => {
    if (decision!.kind === 'confirm') {
      phase = 'confirming';
      await confirm(input, placement, decision!);
    } else {
      phase = 'reverting';
      await revert(input, placement, decision!, instance.vm_state, () => (revertRecorded = true));
    }
  });
  phase = 'done';
}

/** A confirm nobody asked for (the window ran out, or a delete) is its own instance action, like Nova's. */
function systemRequester(original: Requester): Requester {
  return { ...original, requestId: `req-${uuid4()}` };
}

/** Confirm: the source guest and the source allocation (held by the migration) go. */
async function confirm(input: ResizeServerInput, placement: Placement, decision: Decision): Promise<void> {
  const conductor = conductorOn(input.settings);
  const ref = { migrationUuid: placement.migrationUuid, instanceUuid: input.instanceUuid };
  const source = placement.source;
  await conductor.beginConfirm({
    ...ref,
    requester: decision.requester,
    automatic: decision.automatic,
    events: [started(EventName.ConfirmResize, source)],
  });
  try {
    if (placement.source !== placement.dest) {
      await computeOn(input.settings, placement.source).destroy.executeWithOptions(
        { summary: `destroy the old guest on ${placement.source}` },
        [input.instanceUuid],
      );
    }
  } catch (err) {
    // Without this the run ended with the server in VERIFY_RESIZE and nothing left to confirm it.
    await conductor.failConfirm({
      ...ref,
      requester: decision.requester,
      fault: faultFrom(err),
      events: [failed(EventName.ConfirmResize, err, source)],
    });
    throw asWorkflowFailure(err);
  }
  await conductor.finishConfirm({
    ...ref,
    requester: decision.requester,
    events: [succeeded(EventName.ConfirmResize, source)],
  });
}

/** Revert: the destination guest and claim go, the source guest comes back in its old power state. */
async function revert(
  input: ResizeServerInput,
  placement: Placement,
  decision: Decision,
  oldVmState: string,
  recorded: () => void,
): Promise<void> {
  const conductor = conductorOn(input.settings);
  const ref = { migrationUuid: placement.migrationUuid, instanceUuid: input.instanceUuid };
  await conductor.beginRevert({
    ...ref,
    requester: decision.requester,
    events: [started(EventName.RevertResize, placement.dest)],
  });
  recorded();
  try {
    if (placement.source !== placement.dest) {
      await computeOn(input.settings, placement.dest).destroy.executeWithOptions(
        { summary: `destroy the resized guest on ${placement.dest}` },
        [input.instanceUuid],
      );
    }
    await conductor.revertAllocations(ref);
    const powerState = await restoreSourcePower(input, placement.source, oldVmState === VmState.Active);
    if (powerState === undefined) throw new Error(`source host ${placement.source} did not power the guest on`);
    await conductor.finishRevert({
      ...ref,
      requester: decision.requester,
      powerState,
      events: [succeeded(EventName.RevertResize, placement.dest)],
    });
  } catch (err) {
    const events = [failed(EventName.RevertResize, err, placement.dest)];
    // Runs recorded before failRevert cleared only the task: their migration stayed `reverting`.
    if (hasPatch(REVERT_FAILURE_ENDS_MIGRATION)) {
      await conductor.failRevert({ ...ref, requester: decision.requester, fault: faultFrom(err), events });
    } else {
      await conductor.failTask({
        instanceUuid: input.instanceUuid,
        expected: TaskState.ResizeReverting,
        requestId: decision.requester.requestId,
        fault: faultFrom(err),
        vmState: VmState.Error,
        events,
      });
    }
    throw asWorkflowFailure(err);
  }
}
