import { createHash } from 'node:crypto';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PowerState } from '../../domain/states';
import { expectedDiskChecksum, RESCUE_DISK_CHUNKS } from './disk-image';
import { GuestInWrongState, HypervisorStepFailed } from './errors';
import { FakeHypervisor, type StepContext } from './fake-hypervisor';
import { HypervisorStep } from './fault-switches';
import { rescueGuest, unrescueGuest } from './rescue';
import { ImageDataNotFound, LocalImageStore } from '../../storage/image-store';
import { TINY_FLAVOR } from '../../test/support/flavors';

const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';
const RESCUE_IMAGE = 'a2459075-d96c-40d5-893e-577ff92e721c';
const ctx: StepContext = { progress: () => undefined, signal: new AbortController().signal };

let hv: FakeHypervisor;
let uuid: string;
let counter = 0;

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

beforeEach(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-hv-'));
  hv = new FakeHypervisor('host-x', dir, new LocalImageStore(path.join(dir, 'images')));
  uuid = `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
  await hv.spawn({ uuid, name: 'vm', flavor: TINY_FLAVOR, imageId: IMAGE }, true, ctx);
});

afterEach(async () => {
  await fs.rm(hv.hostDir, { recursive: true, force: true });
});

describe('pause, unpause, suspend, resume', () => {
  it('keeps the power state a real hypervisor reports', async () => {
    expect((await hv.pause(uuid, ctx)).powerState).toBe(PowerState.Paused);
    expect((await hv.unpause(uuid, ctx)).powerState).toBe(PowerState.Running);
    expect((await hv.suspend(uuid, ctx)).powerState).toBe(PowerState.Suspended);
    expect((await hv.resume(uuid, ctx)).powerState).toBe(PowerState.Running);
    expect((await hv.getGuest(uuid))?.powerState).toBe(PowerState.Running);
  });

  it('succeeds on a retry that finds the guest already there, without firing the fault again', async () => {
    await hv.pause(uuid, ctx);
    await hv.faults.set(HypervisorStep.Pause, { mode: 'abort' });
    expect((await hv.pause(uuid, ctx)).powerState).toBe(PowerState.Paused);
    await expect(hv.unpause(uuid, ctx)).resolves.toMatchObject({ powerState: PowerState.Running });
  });

  it('refuses a step the guest is in no state for, as libvirt does', async () => {
    await hv.powerOff(uuid, ctx);
    await expect(hv.pause(uuid, ctx)).rejects.toBeInstanceOf(GuestInWrongState);
    await expect(hv.resume(uuid, ctx)).rejects.toBeInstanceOf(GuestInWrongState);
    expect((await hv.getGuest(uuid))?.powerState).toBe(PowerState.Shutdown);
  });

  it("fires the step's own fault switch and leaves the guest as it was", async () => {
    await hv.faults.set(HypervisorStep.Suspend, { mode: 'abort', times: 1 });
    await expect(hv.suspend(uuid, ctx)).rejects.toBeInstanceOf(HypervisorStepFailed);
    expect((await hv.getGuest(uuid))?.powerState).toBe(PowerState.Running);
    expect((await hv.suspend(uuid, ctx)).powerState).toBe(PowerState.Suspended);
  });
});

describe('rescue and unrescue', () => {
  it('boots a rescue disk from the rescue image and leaves the guest disk untouched', async () => {
    const before = await sha256(hv.diskPath(uuid));
    await hv.powerOff(uuid, ctx);
    const rescued = await rescueGuest(hv, uuid, RESCUE_IMAGE, ctx);
    const rescueChecksum = expectedDiskChecksum(RESCUE_IMAGE, RESCUE_DISK_CHUNKS);
    expect(rescued).toMatchObject({
      powerState: PowerState.Running,
      rescue: { imageId: RESCUE_IMAGE, diskChecksum: rescueChecksum },
    });
    expect(await sha256(hv.rescueDiskPath(uuid))).toBe(rescueChecksum);
    expect(await sha256(hv.diskPath(uuid))).toBe(before);

    const back = await unrescueGuest(hv, uuid, ctx);
    expect(back.rescue).toBeUndefined();
    expect(back.powerState).toBe(PowerState.Running);
    await expect(fs.stat(hv.rescueDiskPath(uuid))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await sha256(hv.diskPath(uuid))).toBe(before);
  });

  it('treats a repeated rescue or unrescue as done', async () => {
    await rescueGuest(hv, uuid, IMAGE, ctx);
    await hv.faults.set(HypervisorStep.Rescue, { mode: 'abort' });
    expect((await rescueGuest(hv, uuid, IMAGE, ctx)).rescue?.imageId).toBe(IMAGE);
    await unrescueGuest(hv, uuid, ctx);
    await hv.faults.set(HypervisorStep.Unrescue, { mode: 'abort' });
    expect((await unrescueGuest(hv, uuid, ctx)).rescue).toBeUndefined();
  });

  it('writes no rescue disk when the rescue step fails', async () => {
    await hv.faults.set(HypervisorStep.Rescue, { mode: 'abort', times: 1 });
    await expect(rescueGuest(hv, uuid, IMAGE, ctx)).rejects.toBeInstanceOf(HypervisorStepFailed);
    await expect(fs.stat(hv.rescueDiskPath(uuid))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await hv.getGuest(uuid))?.rescue).toBeUndefined();
  });

  it('destroys a rescued guest with both its disks', async () => {
    await rescueGuest(hv, uuid, IMAGE, ctx);
    await hv.destroy(uuid, ctx);
    expect(await hv.getGuest(uuid)).toBeUndefined();
    await expect(fs.stat(hv.rescueDiskPath(uuid))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(hv.diskPath(uuid))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('spawn from image bytes in the store', () => {
  it('writes the stored bytes as the disk, byte for byte', async () => {
    const bytes = Buffer.alloc(3 * 64 * 1024, 7);
    const stored = await hv.images.write(
      (async function* () {
        yield bytes;
      })(),
    );
    const other = `${uuid.slice(0, -1)}f`;
    const guest = await hv.spawn(
      { uuid: other, name: 'from-snapshot', flavor: TINY_FLAVOR, imageId: IMAGE, imageSha256: stored.sha256 },
      true,
      ctx,
    );
    expect(guest.diskChecksum).toBe(stored.sha256);
    expect(guest.diskBytes).toBe(bytes.length);
    expect(await sha256(hv.diskPath(other))).toBe(stored.sha256);
  });

  it('refuses to spawn when the image bytes are missing, leaving no guest or disk', async () => {
    const other = `${uuid.slice(0, -1)}e`;
    const missing = 'a'.repeat(64);
    await expect(
      hv.spawn({ uuid: other, name: 'x', flavor: TINY_FLAVOR, imageId: IMAGE, imageSha256: missing }, true, ctx),
    ).rejects.toBeInstanceOf(ImageDataNotFound);
    expect(await hv.getGuest(other)).toBeUndefined();
    await expect(fs.stat(hv.diskPath(other))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('guest writes', () => {
  it('changes the disk in place and records its new checksum', async () => {
    const before = (await hv.getGuest(uuid))!.diskChecksum;
    const after = await hv.guestWrite(uuid, 1000, Buffer.from('user data'));
    expect(after.diskChecksum).not.toBe(before);
    expect(await sha256(hv.diskPath(uuid))).toBe(after.diskChecksum);
    expect((await hv.getGuest(uuid))?.diskChecksum).toBe(after.diskChecksum);
  });

  it('refuses writes past the end of the disk', async () => {
    const { diskBytes } = (await hv.getGuest(uuid))!;
    await expect(hv.guestWrite(uuid, diskBytes - 2, Buffer.from('abc'))).rejects.toBeInstanceOf(RangeError);
  });
});
