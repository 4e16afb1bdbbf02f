import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { CIRROS } from '../support/http';
import { DST, SRC, VICTIMS, crash, migrationsOf, useMoveCrashStack, waitForStepRunning } from '../support/move-crash';
import { expectAuditClean } from '../support/audit';

// confirmResize and revertResize with each process killed -9 while each of their host steps hangs, then
// restarted: the decision must still be carried out in full, on the right host with the right flavor.
const env = useMoveCrashStack();

// m1.tiny (flavor 1, 512 MB) resized to m1.small (flavor 2, 2048 MB).
const CONFIRM = {
  action: { confirmResize: null },
  accepted: 204,
  keeper: DST,
  other: SRC,
  flavor: '2',
  memoryMb: 2048,
};
const REVERT = { action: { revertResize: null }, accepted: 202, keeper: SRC, other: DST, flavor: '1', memoryMb: 512 };
const CASES = [
  { name: 'confirm', ...CONFIRM, migration: 'confirmed', step: HypervisorStep.Destroy, host: SRC, activity: 'destroy' },
  { name: 'revert', ...REVERT, migration: 'reverted', step: HypervisorStep.Destroy, host: DST, activity: 'destroy' },
  { name: 'revert', ...REVERT, migration: 'reverted', step: HypervisorStep.PowerOn, host: SRC, activity: 'powerOn' },
];

async function resizedServer(name: string): Promise<string> {
  const id = await env.api.createServer({ name });
  expect((await env.api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
  expect((await env.api.action(id, { resize: { flavorRef: '2' } })).status).toBe(202);
  expect((await env.api.waitForStatus(id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host']).toBe(DST);
  return id;
}

describe.each(CASES)('$name, killed while $activity runs on $host', (c) => {
  it.each(VICTIMS)('the %s process: the decision is carried out in full', async (victim) => {
    const id = await resizedServer(`${c.name}-${c.activity}-${victim}`);
    await env.stack.hypervisor(c.host).faults.set(c.step, { mode: 'hang' });
    expect((await env.api.action(id, c.action)).status).toBe(c.accepted);
    await waitForStepRunning(env.stack, id, c.activity);

    await crash(env.procs, victim, () => env.stack.hypervisor(c.host).faults.clear());

    const server = await env.api.waitForStatus(id, 'ACTIVE', 60_000);
    expect(server).toMatchObject({
      'OS-EXT-SRV-ATTR:host': c.keeper,
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:power_state': 1,
      flavor: { id: c.flavor },
    });
    expect((await migrationsOf(env.api, id))[0]?.status).toBe(c.migration);
    expect(await env.stack.sql`SELECT host, memory_mb FROM allocations WHERE consumer_uuid = ${id}`).toEqual([
      { host: c.keeper, memory_mb: c.memoryMb },
    ]);
    await expectAuditClean(env.api);
    expect(await env.stack.hypervisor(c.keeper).getGuest(id)).toMatchObject({ powerState: 1 });
    expect(await env.stack.hypervisor(c.keeper).diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect(await env.stack.hypervisor(c.other).getGuest(id)).toBeUndefined();
    expect(await env.stack.hypervisor(c.other).diskChecksum(id)).toBeUndefined();
    expect((await env.api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await env.api.waitForGone(id);
  });
});
