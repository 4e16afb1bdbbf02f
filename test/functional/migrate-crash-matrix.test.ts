import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { CIRROS } from '../support/http';
import { DST, SRC, VICTIMS, crash, useMoveCrashStack, waitForStepRunning } from '../support/move-crash';
import { expectAuditClean } from '../support/audit';

// Cold migrate with every process of the move killed -9 at each step, then restarted: the operation must
// finish by itself, with no task_state left behind, the allocation audit clean and the disk intact.
const env = useMoveCrashStack();

const STEPS = [
  { step: HypervisorStep.MigrateDisk, host: SRC, task: 'resize_migrating', activity: 'migrateDiskAndPowerOff' },
  { step: HypervisorStep.FinishMigration, host: DST, task: 'resize_finish', activity: 'finishMigration' },
] as const;

describe.each(STEPS)('killed while $step runs on $host', ({ step, host, task, activity }) => {
  it.each(VICTIMS)('the %s process: the migration completes and confirms cleanly', async (victim) => {
    const id = await env.api.createServer({ name: `crash-${step}-${victim}` });
    expect((await env.api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
    await env.stack.hypervisor(host).faults.set(step, { mode: 'hang' });
    expect((await env.api.action(id, { migrate: null })).status).toBe(202);
    await waitForStepRunning(env.stack, id, activity);
    expect((await env.api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-STS:task_state']).toBe(task);

    await crash(env.procs, victim, () => env.stack.hypervisor(host).faults.clear());

    const server = await env.api.waitForStatus(id, 'VERIFY_RESIZE', 60_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe(DST);
    expect(await env.stack.hypervisor(DST).diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect((await env.api.action(id, { confirmResize: null })).status).toBe(204);
    await env.api.waitForStatus(id, 'ACTIVE', 30_000);
    await waitFor('the source guest to go', async () => (await env.stack.hypervisor(SRC).getGuest(id)) === undefined);
    await expectAuditClean(env.api);
    expect((await env.api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await env.api.waitForGone(id);
  });
});
