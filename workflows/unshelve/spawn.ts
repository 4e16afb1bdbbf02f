import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import type { ActionEvent } from '../../activities/conductor/events';
import type { ShelvedImage } from '../../activities/conductor';
import { flavorResources } from '../../domain/capacity';
import type { InstanceRow } from '../../domain/rows';
import { HostKey } from '../../domain/search-attributes';
import { TaskState, VmState } from '../../domain/states';
import { computeOn, conductorOn } from '../activities';
import { placeAndRun, releasePlacement, scheduleAndClaim, type Placement } from '../alternates';
import { EventName, failed, started, succeeded } from '../events';
import { asWorkflowFailure, faultFrom } from '../failures';
import type { UnshelveServerInput } from '../inputs';

/**
 * Unshelve of an offloaded instance (Nova's conductor and compute unshelve_instance): the shelve image must exist
 * (else ERROR, as Nova), a host is scheduled (the requested zone or host honoured) and claimed, the guest is
 * spawned there from the image's bytes, so its disk is byte for byte the disk that was shelved. Nova gives up on
 * a failed spawn; here a reschedulable failure releases that host and tries the scheduler's alternates. When no
 * host works, the instance stays SHELVED_OFFLOADED with no host, no claim and its image: nothing is lost.
 */
export async function unshelveOffloaded(input: UnshelveServerInput, instance: InstanceRow): Promise<void> {
  const image = await shelvedImage(input);
  const { instanceUuid, requester, settings } = input;
  const conductor = conductorOn(settings);
  const placement: Placement = { instanceUuid, resources: flavorResources(instance.flavor), claim: undefined };
  let task: string = TaskState.Unshelving;
  /** Events not yet written: they ride on the next conductor write. */
  let pending: ActionEvent[] = [succeeded(EventName.GetImageInfo)];
  let current = started(EventName.ScheduleInstances);
  try {
    const zone = input.availabilityZone === undefined ? instance.availability_zone : input.availabilityZone;
    const request = {
      instanceUuid,
      resources: placement.resources,
      ignoreHosts: [],
      availabilityZone: zone ?? undefined,
      requestedHost: input.targetHost ?? undefined,
      maxAttempts: settings.maxAttempts,
    };
    const claimFirst = () => scheduleAndClaim(settings, request);
    const facts = await placeAndRun(settings, placement, claimFirst, async (host, refused) => {
      upsertSearchAttributes([{ key: HostKey, value: host }]);
      const spawning = started(EventName.UnshelveInstance, host);
      if (current.name === EventName.ScheduleInstances) pending.push(succeeded(current.name));
      if (refused) pending.push(failed(spawning.name, refused.error, refused.host));
      await conductor.advanceTask({
        instanceUuid,
        expected: task,
        next: TaskState.Spawning,
        host,
        requestId: requester.requestId,
        events: [...pending, spawning],
      });
      pending = [];
      current = spawning;
      task = TaskState.Spawning;
      return computeOn(settings, host).spawn.executeWithOptions(
        { summary: `unshelve ${instance.name} on ${host} from image ${image.imageId}` },
        [
          {
            instanceUuid,
            name: instance.name,
            flavor: instance.flavor,
            imageId: instance.image_id ?? image.imageId,
            imageSha256: image.sha256,
            powerOn: true,
          },
        ],
      );
    });
    await conductor.finishUnshelve({
      instanceUuid,
      expected: task,
      requestId: requester.requestId,
      powerState: facts.powerState,
      imageId: image.imageId,
      availabilityZone: input.availabilityZone,
      events: [succeeded(current.name, current.host)],
    });
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      if (placement.claim) await releasePlacement(settings, instanceUuid, placement.claim.host);
      await conductor.failUnshelve({
        instanceUuid,
        expected: task,
        requestId: requester.requestId,
        fault: faultFrom(err),
        events: [...pending, failed(current.name, err, current.host)],
      });
    });
    throw asWorkflowFailure(err);
  }
}

/** Nova's get_image_info: a shelve image that is gone leaves the instance in ERROR with Nova's fault. */
async function shelvedImage(input: UnshelveServerInput): Promise<ShelvedImage> {
  const { instanceUuid, requester } = input;
  const conductor = conductorOn(input.settings);
  try {
    return await conductor.getShelvedImage({ instanceUuid });
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      conductor.failTask({
        instanceUuid,
        expected: TaskState.Unshelving,
        requestId: requester.requestId,
        fault: faultFrom(err, 404),
        vmState: VmState.Error,
        events: [failed(EventName.GetImageInfo, err)],
      }),
    );
    throw asWorkflowFailure(err);
  }
}
