import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PowerState } from '../../domain/states';
import { LocalImageStore } from '../../storage/image-store';
import { GuestNotFound, GuestNotRunning, HypervisorStepFailed, MigrationPreCheckFailed } from './errors';
import { FakeHypervisor, type StepContext } from './fake-hypervisor';
import { HypervisorStep } from './fault-switches';
import { checkLiveMigrateDestination, checkLiveMigrateSource } from './live-migration-checks';

const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';
const flavor = (rootGb: number, ephemeralGb = 0) => ({
  id: `f${rootGb}`,
  name: `disk-${rootGb}`,
  vcpus: 1,
  memory_mb: 512,
  root_gb: rootGb,
  ephemeral_gb: ephemeralGb,
  swap_mb: 0,
  extra_specs: {},
});
const ctx: StepContext = { progress: () => undefined, signal: new AbortController().signal };
const MIGRANT = '00000000-0000-4000-8000-00000000aaaa';

let hv: FakeHypervisor;

beforeEach(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'live-checks-'));
  hv = new FakeHypervisor('host-d', dir, new LocalImageStore(path.join(dir, 'images')));
});

async function spawnGuest(uuid: string, rootGb: number, powerOn = true) {
  return hv.spawn({ uuid, name: uuid.slice(-4), flavor: flavor(rootGb), imageId: IMAGE }, powerOn, ctx);
}

describe('checkLiveMigrateDestination', () => {
  it('reports the free local disk left by the guests the hypervisor defines', async () => {
    await spawnGuest('00000000-0000-4000-8000-000000000001', 40);
    await spawnGuest('00000000-0000-4000-8000-000000000002', 20);
    const data = await checkLiveMigrateDestination(hv, 100, { instanceUuid: MIGRANT, flavor: flavor(30, 10) }, ctx);
    expect(data).toEqual({ host: 'host-d', diskAvailableGb: 40, diskNeededGb: 40 });
  });

  it('refuses an instance whose disk is larger than what is free', async () => {
    await spawnGuest('00000000-0000-4000-8000-000000000003', 80);
    const check = checkLiveMigrateDestination(hv, 100, { instanceUuid: MIGRANT, flavor: flavor(21) }, ctx);
    await expect(check).rejects.toThrow(MigrationPreCheckFailed);
    await expect(check).rejects.toThrow('available on destination host: 20 GB < need: 21 GB');
  });

  it('refuses a host that already holds a guest of the instance', async () => {
    await spawnGuest(MIGRANT, 1);
    const check = checkLiveMigrateDestination(hv, 100, { instanceUuid: MIGRANT, flavor: flavor(1) }, ctx);
    await expect(check).rejects.toThrow(`Instance ${MIGRANT} already has a guest on host host-d.`);
  });

  it('turns the fault switch into a refusal with fail, and into a hard failure with abort', async () => {
    const input = { instanceUuid: MIGRANT, flavor: flavor(1) };
    await hv.faults.set(HypervisorStep.CheckLiveMigrateDestination, { mode: 'fail', times: 1 });
    await expect(checkLiveMigrateDestination(hv, 100, input, ctx)).rejects.toThrow(MigrationPreCheckFailed);
    await expect(checkLiveMigrateDestination(hv, 100, input, ctx)).resolves.toMatchObject({ diskAvailableGb: 100 });
    await hv.faults.set(HypervisorStep.CheckLiveMigrateDestination, { mode: 'abort' });
    const aborted = checkLiveMigrateDestination(hv, 100, input, ctx);
    await expect(aborted).rejects.toThrow(HypervisorStepFailed);
    await expect(aborted).rejects.not.toThrow(MigrationPreCheckFailed);
  });
});

describe('checkLiveMigrateSource', () => {
  it('accepts a running or paused guest', async () => {
    const guest = await spawnGuest(MIGRANT, 1);
    await expect(checkLiveMigrateSource(hv, MIGRANT)).resolves.toBeUndefined();
    await hv.saveGuest({ ...guest, powerState: PowerState.Paused });
    await expect(checkLiveMigrateSource(hv, MIGRANT)).resolves.toBeUndefined();
  });

  it('refuses a guest that is shut off or missing on the source', async () => {
    await spawnGuest(MIGRANT, 1, false);
    await expect(checkLiveMigrateSource(hv, MIGRANT)).rejects.toThrow(GuestNotRunning);
    await expect(checkLiveMigrateSource(hv, '00000000-0000-4000-8000-000000000009')).rejects.toThrow(GuestNotFound);
  });
});
