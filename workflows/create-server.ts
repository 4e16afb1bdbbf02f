import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import { flavorResources } from '../domain/capacity';
import { HostKey } from '../domain/search-attributes';
import { PowerState, TaskState, VmState } from '../domain/states';
import { computeOn, conductorOn } from './activities';
import { AdmissionGate } from './admission';
import { placeAndRun, releasePlacement, scheduleAndClaim, type Placement } from './alternates';
import { asWorkflowFailure, faultFrom } from './failures';
import { EventName, failed, started, succeeded } from './events';
import type { CreateServerInput } from './inputs';

/**
 * Boot: record the instance (building/scheduling), pick hosts, claim on the first that fits, spawn there; a
 * reschedulable failure releases that claim and moves to the next alternate, as Nova's build retries do.
 */
export async function createServerWorkflow(input: CreateServerInput): Promise<void> {
  const { server, settings } = input;
  const instanceUuid = server.instanceUuid;
  const gate = new AdmissionGate();
  const conductor = conductorOn(settings);
  const scheduling = started(EventName.ScheduleAndBuild);
  if (!(await gate.admit(() => conductor.admitCreate({ ...server, events: [scheduling] })))) return;

  const flavor = server.flavor;
  const placement: Placement = { instanceUuid, resources: flavorResources(flavor), claim: undefined };
  let task: string = TaskState.Scheduling;
  /** The event running when a failure strikes: scheduling, then the build on a host. */
  let current = scheduling;
  const fail = (err: unknown, vmState: string = VmState.Error) =>
    CancellationScope.nonCancellable(async () => {
      if (placement.claim) await releasePlacement(settings, instanceUuid, placement.claim.host);
      await conductor.failTask({
        instanceUuid,
        expected: task,
        requestId: server.requestId,
        fault: faultFrom(err),
        vmState,
        events: [failed(current.name, err, current.host)],
      });
    });

  try {
    const request = {
      instanceUuid,
      resources: placement.resources,
      ignoreHosts: [],
      availabilityZone: server.availabilityZone ?? undefined,
      maxAttempts: settings.maxAttempts,
    };
    const claimFirst = () => scheduleAndClaim(settings, request);
    const facts = await placeAndRun(settings, placement, claimFirst, async (host, refused) => {
      upsertSearchAttributes([{ key: HostKey, value: host }]);
      const build = started(EventName.BuildAndRun, host);
      const done = refused ? [failed(build.name, refused.error, refused.host)] : [succeeded(scheduling.name)];
      await conductor.advanceTask({
        instanceUuid,
        expected: task,
        next: TaskState.Spawning,
        host,
        requestId: server.requestId,
        events: [...done, build],
      });
      current = build;
      task = TaskState.Spawning;
      return computeOn(settings, host).spawn.executeWithOptions({ summary: `spawn ${server.name} on ${host}` }, [
        {
          instanceUuid,
          name: server.name,
          flavor,
          imageId: server.imageId,
          projectId: server.projectId,
          imageSha256: server.imageSha256 ?? undefined,
          powerOn: true,
        },
      ]);
    });
    await conductor.finishTask({
      instanceUuid,
      expected: task,
      requestId: server.requestId,
      vmState: VmState.Active,
      powerState: facts.powerState ?? PowerState.Running,
      launched: true,
      events: [succeeded(current.name, current.host)],
    });
  } catch (err) {
    await fail(err);
    throw asWorkflowFailure(err);
  }
}
