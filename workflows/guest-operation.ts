import { CancellationScope, log, upsertSearchAttributes, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { ComputeActivities, GuestFacts, PasswordSet } from '../activities/compute';
import type { StateRule } from '../domain/guards';
import type { InstanceRow } from '../domain/rows';
import type { SealedSecret } from '../domain/sealed-secret';
import { HostKey } from '../domain/search-attributes';
import { computeOn, computePromptlyOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { asWorkflowFailure, faultFrom, isHostUnreachable } from './failures';
import { failed, started, succeeded } from './events';
import type { InstanceOperationInput } from './inputs';

/** Compute steps that take only the instance's uuid and report the guest's facts. */
export type PlainGuestStep =
  'powerOff' | 'powerOn' | 'reboot' | 'pause' | 'unpause' | 'suspend' | 'resume' | 'unrescue';

/**
 * The compute step an operation runs: a plain one, rescue with the image its rescue disk comes from, or the admin
 * password sealed for the host.
 */
export type GuestStep =
  PlainGuestStep | { name: 'rescue'; imageId: string } | { name: 'setAdminPassword'; sealed: SealedSecret };

function runStep(
  compute: ActivityInterfaceFor<ComputeActivities>,
  step: GuestStep,
  instance: InstanceRow,
  summary: string,
): Promise<GuestFacts | PasswordSet> {
  const instanceUuid = instance.uuid;
  if (typeof step === 'string') return compute[step].executeWithOptions({ summary }, [instanceUuid]);
  if (step.name === 'rescue') {
    return compute.rescue.executeWithOptions({ summary }, [{ instanceUuid, imageId: step.imageId }]);
  }
  return compute.setAdminPassword.executeWithOptions({ summary }, [
    { instanceUuid, sealed: step.sealed, keyData: instance.key_data ?? null },
  ]);
}

/**
 * An operation that is one hypervisor step on the instance's host: stop, start, reboot, pause, unpause,
 * suspend, resume, rescue, unrescue.
 */
export interface GuestOperation {
  rule: StateRule;
  action: string;
  /** task_states in order: the first is set at admission, each later one before the hypervisor step. */
  taskStates: readonly [string, ...string[]];
  hypervisorStep: GuestStep;
  /** What the step does, for the Temporal UI ("power off"). */
  summary: string;
  /** vm_state on success. */
  vmState: string;
  /** vm_state on failure; undefined keeps it (Nova's rollback for stop, start, pause, suspend, rescue...). */
  failedVmState?: string;
  /** The compute event, when Nova's name is not compute_<action>_instance (compute_set_admin_password). */
  event?: string;
  /**
   * A request waits for the step (changePassword, as Nova's synchronous call): a host that does not pick it up
   * within seconds is down, and the request hears so then.
   */
  promptly?: boolean;
  /**
   * A host that does not take the step is left out (a soft delete, as Nova's local delete): the state is recorded
   * without it, with the power state it had, and the guest left as it is there.
   */
  proceedWithoutHost?: boolean;
  /** The conductor's admission step: restore's also holds the server to its project's quota. */
  admission?: 'admitOperation' | 'admitRestore';
}

/**
 * Admission, the task_state sequence, the hypervisor step and the final state, with the failure path every
 * such operation shares: task_state cleared, fault recorded, the instance action marked Error.
 */
export async function runGuestOperation(op: GuestOperation, input: InstanceOperationInput): Promise<void> {
  const gate = new AdmissionGate();
  const admission = await gate.admit(() => admitGuestOperation(op, input));
  const admitted = admission?.value;
  if (!admitted?.host) return;
  await runAdmittedGuestOperation(op, input, admitted);
}

/** Nova's event for each of these is compute_<action>_instance (compute_stop_instance, ...). */
const eventOf = (op: GuestOperation) => op.event ?? `compute_${op.action}_instance`;

/** The operation's admission: its first task_state, its instance action and the compute event it starts. */
export function admitGuestOperation(op: GuestOperation, input: InstanceOperationInput): Promise<InstanceRow> {
  return conductorOn(input.settings)[op.admission ?? 'admitOperation']({
    ...input.requester,
    instanceUuid: input.instanceUuid,
    rule: op.rule,
    action: op.action,
    taskState: op.taskStates[0],
    requireHost: true,
    events: [started(eventOf(op))],
  });
}

/** The rest of the operation once admitted, on the admitted instance's host. */
export async function runAdmittedGuestOperation(
  op: GuestOperation,
  input: InstanceOperationInput,
  admitted: InstanceRow,
): Promise<void> {
  const conductor = conductorOn(input.settings);
  const { instanceUuid, requester } = input;
  const event = eventOf(op);
  upsertSearchAttributes([{ key: HostKey, value: admitted.host! }]);
  let task = op.taskStates[0];
  try {
    for (const next of op.taskStates.slice(1)) {
      await conductor.advanceTask({ instanceUuid, expected: task, next });
      task = next;
    }
    const summary = `${op.summary} ${admitted.name} on ${admitted.host}`;
    const compute = (op.promptly ? computePromptlyOn : computeOn)(input.settings, admitted.host!);
    const result = await runStep(compute, op.hypervisorStep, admitted, summary).catch((err: unknown) => {
      if (!op.proceedWithoutHost || !isHostUnreachable(err)) throw err;
      log.warn('host unreachable: recorded without it, the guest is left as it is', { error: String(err) });
      return undefined;
    });
    await conductor.finishTask({
      instanceUuid,
      expected: task,
      requestId: requester.requestId,
      vmState: op.vmState,
      powerState: result?.powerState ?? admitted.power_state,
      ...(result && 'serverPassword' in result ? { serverPassword: result.serverPassword } : {}),
      events: [succeeded(event, admitted.host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      conductor.failTask({
        instanceUuid,
        expected: task,
        requestId: requester.requestId,
        fault: faultFrom(err),
        vmState: op.failedVmState,
        events: [failed(event, err, admitted.host)],
      }),
    );
    throw asWorkflowFailure(err);
  }
}
