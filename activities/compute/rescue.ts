import { promises as fs } from 'node:fs';
import { PowerState } from '../../domain/states';
import { RESCUE_DISK_CHUNKS } from './disk-image';
import { GuestNotFound } from './errors';
import type { FakeHypervisor, Guest, StepContext } from './fake-hypervisor';
import { HypervisorStep } from './fault-switches';

/**
 * Boots the guest from a rescue disk written from `imageId` next to its own disk, which stays attached and is
 * never written (Nova's rescue: power off, boot the rescue image with the original disk as a second disk).
 * A retried step that finds the guest already rescued succeeds as it is.
 */
export async function rescueGuest(hv: FakeHypervisor, uuid: string, imageId: string, ctx: StepContext): Promise<Guest> {
  const guest = await hv.getGuest(uuid);
  if (!guest) throw new GuestNotFound(uuid, hv.host);
  if (guest.rescue) return guest;
  await hv.applyFault(HypervisorStep.Rescue, ctx);
  const { checksum } = await hv.writeImage(hv.rescueDiskPath(uuid), imageId, RESCUE_DISK_CHUNKS, 'rescue', ctx);
  const rescued: Guest = {
    ...guest,
    powerState: PowerState.Running,
    rescue: { imageId, diskChecksum: checksum },
    updatedAt: new Date().toISOString(),
  };
  await hv.saveGuest(rescued);
  if (guest.powerState === PowerState.Running) await hv.console.powerDown(uuid);
  await hv.console.boot(rescued, { rescueImageId: imageId });
  return rescued;
}

/**
 * Boots the guest from its own disk again and removes the rescue disk. A retried step that finds the guest
 * no longer rescued only makes sure the rescue disk is gone.
 */
export async function unrescueGuest(hv: FakeHypervisor, uuid: string, ctx: StepContext): Promise<Guest> {
  const guest = await hv.getGuest(uuid);
  if (!guest) throw new GuestNotFound(uuid, hv.host);
  if (guest.rescue) await hv.applyFault(HypervisorStep.Unrescue, ctx);
  await fs.rm(hv.rescueDiskPath(uuid), { force: true });
  await fs.rm(`${hv.rescueDiskPath(uuid)}.partial`, { force: true });
  if (!guest.rescue) return guest;
  const { rescue: _dropped, ...own } = guest;
  const unrescued: Guest = { ...own, powerState: PowerState.Running, updatedAt: new Date().toISOString() };
  await hv.saveGuest(unrescued);
  await hv.console.powerDown(uuid);
  await hv.console.boot(unrescued);
  return unrescued;
}
