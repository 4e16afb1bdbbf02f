import { CancellationScope, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { GuestFacts } from '../../activities/compute';
import type { Claim } from '../../activities/conductor';
import type { InstanceRow } from '../../domain/rows';
import { HostKey } from '../../domain/search-attributes';
import { PowerState, VmState } from '../../domain/states';
import { computeOn, conductorOn } from '../activities';
import { claimNextAlternate, isReschedulable, scheduleAndClaim } from '../alternates';
import { flavorResources } from '../../domain/capacity';
import { faultFrom } from '../failures';
import { EventName, failed, started, succeeded } from '../events';
import type { InstanceOperationInput, ResizeServerInput } from '../inputs';

export interface Placement {
  source: string;
  dest: string;
  migrationUuid: string;
  powerState: number;
}

/**
 * Moves the instance to a destination: schedule and claim, copy the disk from the source, start the guest
 * there (moving on to alternates when a destination fails), and record VERIFY_RESIZE. Any failure rolls back
 * to the source, non-cancellably: destination guest and claim gone, source allocation and power restored.
 */
export async function moveToDestination(
  input: ResizeServerInput,
  instance: InstanceRow,
  migrationUuid: string,
): Promise<Placement> {
  const { settings, instanceUuid, requester } = input;
  const conductor = conductorOn(settings);
  const source = instance.host!;
  const flavor = input.newFlavor ?? instance.flavor;
  const resources = flavorResources(flavor);
  const powerOn = instance.vm_state === VmState.Active;
  let claim: Claim | undefined;
  let sourceTouched = false;
  const requestId = requester.requestId;
  let current = started(EventName.MigrateServer);
  try {
    claim = await scheduleAndClaim(settings, {
      instanceUuid,
      resources,
      ignoreHosts: settings.allowResizeToSameHost && input.newFlavor ? [] : [source],
      requestedHost: input.targetHost ?? undefined,
      maxAttempts: settings.maxAttempts,
    });
    const copying = started(EventName.ResizeInstance, source);
    await conductor.beginMigrating({
      migrationUuid,
      instanceUuid,
      destHost: claim.host,
      requestId,
      events: [succeeded(current.name), copying],
    });
    current = copying;
    sourceTouched = true;
    const { checksum } = await computeOn(settings, source).migrateDiskAndPowerOff.executeWithOptions(
      { summary: `power off ${instance.name} and copy its disk from ${source}` },
      [{ instanceUuid, migrationUuid }],
    );
    let facts: GuestFacts | undefined;
    while (!facts) {
      upsertSearchAttributes([{ key: HostKey, value: claim.host }]);
      const finishing = started(EventName.FinishResize, claim.host);
      await conductor.recordMigrated({
        migrationUuid,
        instanceUuid,
        destHost: claim.host,
        requestId,
        events: [succeeded(EventName.ResizeInstance, source), finishing],
      });
      current = finishing;
      try {
        facts = await computeOn(settings, claim.host).finishMigration.executeWithOptions(
          { summary: `start ${instance.name} on ${claim.host} with flavor ${flavor.name}` },
          [
            {
              instanceUuid,
              migrationUuid,
              name: instance.name,
              imageId: instance.image_id ?? '',
              flavor,
              checksum,
              powerOn,
              projectId: instance.project_id,
            },
          ],
        );
      } catch (err) {
        if (!isReschedulable(err)) throw err;
        log.warn('destination failed, trying an alternate', { host: claim.host, error: String(err) });
        const failedClaim: Claim = claim;
        await cleanDestination(input, failedClaim.host, source);
        claim = undefined;
        claim = await claimNextAlternate(settings, failedClaim, instanceUuid, resources, err);
        await conductor.beginMigrating({
          migrationUuid,
          instanceUuid,
          destHost: claim.host,
          requestId,
          events: [failed(EventName.FinishResize, err, failedClaim.host)],
        });
      }
    }
    await conductor.finishResize({
      migrationUuid,
      instanceUuid,
      powerState: facts.powerState,
      requestId,
      events: [succeeded(EventName.FinishResize, claim.host)],
    });
    return { source, dest: claim.host, migrationUuid, powerState: facts.powerState };
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      if (claim) await cleanDestination(input, claim.host, source);
      const powerState = sourceTouched ? await restoreSourcePower(input, source, powerOn) : undefined;
      await removeTransfer(input, source, migrationUuid);
      await conductor.rollbackMigration({
        migrationUuid,
        instanceUuid,
        requestId,
        fault: faultFrom(err),
        powerState,
        events: [failed(current.name, err, current.host)],
      });
    });
    throw err;
  }
}

/** Destroys a half-made guest on a destination and drops its claim; never the source's own guest. */
export async function cleanDestination(input: InstanceOperationInput, dest: string, source: string): Promise<void> {
  if (dest !== source) {
    await computeOn(input.settings, dest)
      .destroy.executeWithOptions({ summary: `clean up on ${dest}` }, [input.instanceUuid])
      .catch((err: unknown) => log.warn('could not clean up destination', { dest, error: String(err) }));
  }
  await conductorOn(input.settings).releaseClaim({ consumerUuid: input.instanceUuid, host: dest });
}

/** Powers the source guest back on if it was running; returns what the hypervisor reports, if it answers. */
export async function restoreSourcePower(
  input: ResizeServerInput,
  source: string,
  powerOn: boolean,
): Promise<number | undefined> {
  const compute = computeOn(input.settings, source);
  try {
    if (!powerOn) return PowerState.Shutdown;
    return (await compute.powerOn.executeWithOptions({ summary: `power on again on ${source}` }, [input.instanceUuid]))
      .powerState;
  } catch (err) {
    log.warn('source did not answer during rollback', { source, error: String(err) });
    return undefined;
  }
}

export async function removeTransfer(
  input: InstanceOperationInput,
  host: string,
  migrationUuid: string,
): Promise<void> {
  await computeOn(input.settings, host)
    .removeMigrationTransfer.executeWithOptions({ summary: 'remove the disk copy' }, [migrationUuid])
    .catch((err: unknown) => log.warn('could not remove the disk copy', { host, error: String(err) }));
}
