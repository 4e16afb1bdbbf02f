import { ApplicationFailure, CancellationScope, log, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { GuestFacts } from '../activities/compute';
import type { Claim } from '../activities/conductor';
import type { ActionEvent } from '../activities/conductor/events';
import { flavorResources } from '../domain/capacity';
import { FaultType } from '../domain/faults';
import type { InstanceRow } from '../domain/rows';
import { HostKey } from '../domain/search-attributes';
import { EvacuationStatus, TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { claimNextAlternate, isReschedulable, scheduleAndClaim } from './alternates';
import { EventName, failed, started, succeeded } from './events';
import { asWorkflowFailure, faultFrom } from './failures';
import type { EvacuateServerInput } from './inputs';
import { cleanDestination } from './resize/move';

/**
 * evacuate: the instance's host is down, so the guest is rebuilt on another host from the instance's image
 * (the dead host's disk is not shared storage: its data is lost, as in Nova without shared storage). The
 * instance keeps its source allocation beside the destination's until the source host comes back and destroys
 * its stale copy (see hostHeartbeatWorkflow); the migration record then goes from `done` to `completed`.
 */
export async function evacuateServerWorkflow(input: EvacuateServerInput): Promise<void> {
  const { instanceUuid, requester, settings } = input;
  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  const migrationUuid = uuid4();
  const scheduling = started(EventName.RebuildServer);
  const admission = await gate.admit(() =>
    conductor.admitEvacuation({
      ...requester,
      instanceUuid,
      migrationUuid,
      targetHost: input.targetHost,
      events: [scheduling],
    }),
  );
  if (!admission) return;
  const { instance, imageSha256 } = admission.value;
  const source = instance.host!;
  const ref = { migrationUuid, instanceUuid, requestId: requester.requestId };
  const resources = flavorResources(instance.flavor);
  // Nova's target state: stopped stays stopped, active or error comes back active; from 2.95 always stopped.
  const vmState = input.stopAtDestination || instance.vm_state === VmState.Stopped ? VmState.Stopped : VmState.Active;
  let claim: Claim | undefined;
  let current = scheduling;
  /** The host the last rebuild failed on: its event ends in error in the next destination's write. */
  let refused: ActionEvent | undefined;
  try {
    // A forced host skips the scheduler, as Nova's evacuate --force does.
    claim =
      input.force && input.targetHost
        ? await conductor.claimResources({ consumerUuid: instanceUuid, candidates: [input.targetHost], resources })
        : await scheduleAndClaim(settings, {
            instanceUuid,
            resources,
            ignoreHosts: [source],
            requestedHost: input.targetHost ?? undefined,
            maxAttempts: settings.maxAttempts,
          });
    let facts: GuestFacts | undefined;
    while (!facts) {
      upsertSearchAttributes([{ key: HostKey, value: claim.host }]);
      const rebuilding = started(EventName.RebuildInstance, claim.host);
      const done = refused ? [refused] : [succeeded(scheduling.name)];
      await conductor.recordEvacuationDest({ ...ref, destHost: claim.host, events: [...done, rebuilding] });
      current = rebuilding;
      await conductor.advanceTask({
        instanceUuid,
        expected: TaskState.RebuildBlockDeviceMapping,
        next: TaskState.RebuildSpawning,
      });
      try {
        facts = await rebuildOn(input, claim.host, instance, imageSha256, vmState === VmState.Active);
      } catch (err) {
        if (!isReschedulable(err)) throw err;
        log.warn('evacuation destination failed, trying an alternate', { host: claim.host, error: String(err) });
        const failedClaim: Claim = claim;
        await cleanDestination(input, failedClaim.host, source);
        claim = undefined;
        claim = await claimNextAlternate(settings, failedClaim, instanceUuid, resources, err);
        refused = failed(current.name, err, failedClaim.host);
      }
    }
    await conductor.finishEvacuation({
      ...ref,
      vmState,
      powerState: facts.powerState,
      events: [succeeded(current.name, current.host)],
    });
  } catch (err) {
    // Before any destination was claimed the migration is `error` (Nova's NoValidHost), after it `failed`.
    const status = current === scheduling ? EvacuationStatus.Error : EvacuationStatus.Failed;
    await CancellationScope.nonCancellable(async () => {
      if (claim) await cleanDestination(input, claim.host, source);
      await conductor.failEvacuation({
        ...ref,
        status,
        fault: faultFrom(err),
        events: [failed(current.name, err, current.host)],
      });
    });
    throw asWorkflowFailure(err);
  }
}

/** Spawns the guest on the destination from the instance's image, as Nova's rebuild with recreate does. */
async function rebuildOn(
  input: EvacuateServerInput,
  host: string,
  instance: InstanceRow,
  imageSha256: string | null,
  powerOn: boolean,
): Promise<GuestFacts> {
  if (input.onSharedStorage) {
    // Nova's compute checks the caller's claim against the disk it finds: our hosts share no instance storage.
    throw ApplicationFailure.nonRetryable(
      'Invalid state of instance files on shared storage',
      FaultType.InvalidSharedStorage,
    );
  }
  return computeOn(input.settings, host).spawn.executeWithOptions(
    { summary: `rebuild ${instance.name} on ${host} from its image` },
    [
      {
        instanceUuid: instance.uuid,
        name: instance.name,
        flavor: instance.flavor,
        imageId: instance.image_id ?? '',
        imageSha256: imageSha256 ?? undefined,
        powerOn,
      },
    ],
  );
}
