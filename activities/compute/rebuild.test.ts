import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PowerState } from '../../domain/states';
import { LocalImageStore } from '../../storage/image-store';
import { expectedDiskChecksum } from './disk-image';
import { HypervisorStepFailed } from './errors';
import { FakeHypervisor, StepCancelled, type StepContext } from './fake-hypervisor';
import { HypervisorStep } from './fault-switches';
import { rebuildGuest, type RebuildSpec } from './rebuild';
import { rescueGuest } from './rescue';
import { TINY_FLAVOR } from '../../test/support/flavors';

const CIRROS = '70a599e0-31e7-49b7-b260-868f441e862b';
const UBUNTU = 'a2459075-d96c-40d5-893e-577ff92e721c';
const ctx: StepContext = { progress: () => undefined, signal: new AbortController().signal };

let hv: FakeHypervisor;
let uuid: string;
let counter = 0;

function spec(overrides: Partial<RebuildSpec> = {}): RebuildSpec {
  return { uuid, name: 'rebuilt', flavor: TINY_FLAVOR, imageId: UBUNTU, rebuildId: `req-${counter}`, ...overrides };
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

beforeEach(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-hv-rebuild-'));
  hv = new FakeHypervisor('host-x', dir, new LocalImageStore(path.join(dir, 'images')));
  uuid = `00000000-0000-4000-9000-${String(++counter).padStart(12, '0')}`;
  await hv.spawn({ uuid, name: 'vm', flavor: TINY_FLAVOR, imageId: CIRROS }, true, ctx);
});

afterEach(async () => {
  await fs.rm(hv.hostDir, { recursive: true, force: true });
});

describe('rebuildGuest', () => {
  it('replaces the disk with one from the new image: what the guest wrote is gone, the guest runs', async () => {
    await hv.guestWrite(uuid, 4096, Buffer.from('files of the old system'));
    const guest = await rebuildGuest(hv, spec(), ctx);
    expect(guest).toMatchObject({ name: 'rebuilt', imageId: UBUNTU, powerState: PowerState.Running });
    expect(guest.diskChecksum).toBe(expectedDiskChecksum(UBUNTU));
    expect(await hv.diskChecksum(uuid)).toBe(expectedDiskChecksum(UBUNTU));
    expect(await hv.getGuest(uuid)).toEqual(guest);
    expect(await exists(hv.rebuildDiskPath(uuid))).toBe(false);
  });

  it('rebuilds a stopped guest into a running one (the workflow stops it again, as Nova does)', async () => {
    await hv.powerOff(uuid, ctx);
    expect((await rebuildGuest(hv, spec(), ctx)).powerState).toBe(PowerState.Running);
  });

  it('keeps the old disk and the power state when the step fails, and leaves no temporary disk', async () => {
    const old = await hv.guestWrite(uuid, 0, Buffer.from('precious'));
    await hv.faults.set(HypervisorStep.Rebuild, { mode: 'abort', times: 1 });
    await expect(rebuildGuest(hv, spec(), ctx)).rejects.toBeInstanceOf(HypervisorStepFailed);
    expect(await hv.diskChecksum(uuid)).toBe(old.diskChecksum);
    expect(await hv.getGuest(uuid)).toMatchObject({ imageId: CIRROS, powerState: PowerState.Running });
    expect(await exists(hv.rebuildDiskPath(uuid))).toBe(false);
  });

  it('keeps the old disk when cancelled mid-write, and puts the guest back as it was', async () => {
    const old = (await hv.getGuest(uuid))!;
    const abort = new AbortController();
    const cancelling: StepContext = {
      signal: abort.signal,
      progress: ({ done }) => {
        if (done === 3) abort.abort();
      },
    };
    await expect(rebuildGuest(hv, spec(), cancelling)).rejects.toBeInstanceOf(StepCancelled);
    expect(await hv.diskChecksum(uuid)).toBe(old.diskChecksum);
    expect((await hv.getGuest(uuid))?.powerState).toBe(PowerState.Running);
    expect(await exists(hv.rebuildDiskPath(uuid))).toBe(false);
    expect(await exists(`${hv.rebuildDiskPath(uuid)}.partial`)).toBe(false);
  });

  it('never uses what a crashed attempt left behind: the retry writes the whole new disk again', async () => {
    const temp = hv.rebuildDiskPath(uuid);
    await fs.writeFile(`${temp}.partial`, Buffer.alloc(1000, 1));
    await fs.writeFile(temp, Buffer.alloc(5000, 2));
    await rebuildGuest(hv, spec(), ctx);
    expect(await hv.diskChecksum(uuid)).toBe(expectedDiskChecksum(UBUNTU));
    expect(await exists(temp)).toBe(false);
  });

  it('finishes a rebuild whose swap happened before a crash, and returns a finished one untouched', async () => {
    // A crash between the swap and the guest record: the disk is new, the record still the old guest's.
    await hv.writeImage(hv.diskPath(uuid), UBUNTU, 16, 'test', ctx);
    const done = await rebuildGuest(hv, spec(), ctx);
    expect(done).toMatchObject({ imageId: UBUNTU, diskChecksum: expectedDiskChecksum(UBUNTU) });
    // The same rebuild retried once more: nothing is written, and the fault switch does not fire.
    await hv.guestWrite(uuid, 0, Buffer.from('written after the rebuild'));
    const after = (await hv.getGuest(uuid))!;
    await hv.faults.set(HypervisorStep.Rebuild, { mode: 'abort' });
    expect(await rebuildGuest(hv, spec({ rebuildId: done.rebuiltBy! }), ctx)).toEqual(after);
    expect(await hv.diskChecksum(uuid)).toBe(after.diskChecksum);
  });

  it('writes exactly the stored bytes of an image that has them', async () => {
    const bytes = Buffer.alloc(5 * 64 * 1024 + 17, 9);
    const stored = await hv.images.write(
      (async function* () {
        yield bytes;
      })(),
    );
    const guest = await rebuildGuest(hv, spec({ imageSha256: stored.sha256 }), ctx);
    expect(guest).toMatchObject({ diskChecksum: stored.sha256, diskBytes: bytes.length, imageSha256: stored.sha256 });
    expect(await fs.readFile(hv.diskPath(uuid))).toEqual(bytes);
  });

  it('keeps the old disk when the stored bytes are missing', async () => {
    const old = (await hv.getGuest(uuid))!;
    await expect(rebuildGuest(hv, spec({ imageSha256: 'b'.repeat(64) }), ctx)).rejects.toThrow(/no image data/);
    expect(await hv.diskChecksum(uuid)).toBe(old.diskChecksum);
    expect(await hv.getGuest(uuid)).toEqual({ ...old, updatedAt: expect.any(String) });
  });

  it('defines a guest that is gone anew, and drops a rescue disk', async () => {
    await rescueGuest(hv, uuid, CIRROS, ctx);
    const rebuilt = await rebuildGuest(hv, spec(), ctx);
    expect(rebuilt.rescue).toBeUndefined();
    expect(await hv.rescueDiskChecksum(uuid)).toBeUndefined();

    await hv.destroy(uuid, ctx);
    const again = await rebuildGuest(hv, spec({ rebuildId: 'req-other' }), ctx);
    expect(again).toMatchObject({ uuid, imageId: UBUNTU, powerState: PowerState.Running });
    expect(await hv.diskChecksum(uuid)).toBe(expectedDiskChecksum(UBUNTU));
  });

  it('destroys a guest together with a temporary rebuild disk', async () => {
    await fs.writeFile(hv.rebuildDiskPath(uuid), 'left over');
    await hv.destroy(uuid, ctx);
    expect(await exists(hv.rebuildDiskPath(uuid))).toBe(false);
  });
});
