import type { InstanceFlavor } from '../../domain/rows';
import { PowerState } from '../../domain/states';
import { GuestNotFound, GuestNotRunning, HypervisorStepFailed, MigrationPreCheckFailed } from './errors';
import type { FakeHypervisor, StepContext } from './fake-hypervisor';
import { HypervisorStep } from './fault-switches';

export interface DestinationCheckInput {
  instanceUuid: string;
  flavor: InstanceFlavor;
}

/** What this host's disk holds and can still take, as the hypervisor itself counts it. */
export interface DestinationCheckData {
  host: string;
  diskAvailableGb: number;
  diskNeededGb: number;
}

const LIVE_STATES: readonly number[] = [PowerState.Running, PowerState.Paused];

const localDiskGb = (flavor: InstanceFlavor) => flavor.root_gb + flavor.ephemeral_gb;

/**
 * Nova's check_can_live_migrate_destination, on the destination: the host must not already hold a guest of this
 * instance (a leftover the move would collide with) and its local disk, counted from the guests the hypervisor
 * really defines rather than from the database's claims, must take the instance's disk. A refusal is a
 * MigrationPreCheckFailed: the conductor moves on to another host. The fault switch's `fail` refuses the same way;
 * `abort` fails the migration outright.
 */
export async function checkLiveMigrateDestination(
  hv: FakeHypervisor,
  capacityGb: number,
  input: DestinationCheckInput,
  ctx: StepContext,
): Promise<DestinationCheckData> {
  try {
    await hv.applyFault(HypervisorStep.CheckLiveMigrateDestination, ctx);
  } catch (err) {
    if (err instanceof HypervisorStepFailed && err.reschedulable)
      throw new MigrationPreCheckFailed(hv.host, err.message);
    throw err;
  }
  const guests = await hv.listGuests();
  if (guests.some((g) => g.uuid === input.instanceUuid)) {
    throw new MigrationPreCheckFailed(
      hv.host,
      `Instance ${input.instanceUuid} already has a guest on host ${hv.host}.`,
    );
  }
  const usedGb = guests.reduce((sum, g) => sum + localDiskGb(g.flavor), 0);
  const data = { host: hv.host, diskAvailableGb: capacityGb - usedGb, diskNeededGb: localDiskGb(input.flavor) };
  if (data.diskNeededGb > data.diskAvailableGb) {
    throw new MigrationPreCheckFailed(
      hv.host,
      `Unable to migrate ${input.instanceUuid} to ${hv.host}: Disk of instance is too large ` +
        `(available on destination host: ${data.diskAvailableGb} GB < need: ${data.diskNeededGb} GB)`,
    );
  }
  return data;
}

/**
 * Nova's check_can_live_migrate_source, on the source: the guest must be there and running or paused, as the
 * hypervisor sees it (the database may still say ACTIVE for a guest that stopped by itself). Not a host's
 * refusal: no other destination would do better.
 */
export async function checkLiveMigrateSource(hv: FakeHypervisor, instanceUuid: string): Promise<void> {
  const guest = await hv.getGuest(instanceUuid);
  if (!guest) throw new GuestNotFound(instanceUuid, hv.host);
  if (!LIVE_STATES.includes(guest.powerState)) throw new GuestNotRunning(instanceUuid, hv.host, guest.powerState);
}
