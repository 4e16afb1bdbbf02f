import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, CIRROS } from '../support/http';
import { TestProcesses } from '../support/processes';
import { startTestStack, waitForHosts, type TestStack } from '../support/test-stack';
import { expectAuditClean } from '../support/audit';

// Cold migrate with every process of the move killed -9 at each step, then restarted: the operation must
// finish by itself, with no task_state left behind, the allocation audit clean and the disk intact.
// host-src is larger, so servers are created there and migrate to host-dst.
let stack: TestStack;
let api: ApiClient;
let procs: TestProcesses;

const SRC = 'host-src';
const DST = 'host-dst';

beforeAll(async () => {
  stack = await startTestStack({ hosts: [], inProcessConductor: false });
  api = new ApiClient(stack.baseUrl);
  procs = new TestProcesses(stack);
  procs.start('conductor', { role: 'conductor' });
  procs.start(SRC, { role: 'compute', host: SRC, env: { NOVA_COMPUTE_VCPUS: '64', NOVA_COMPUTE_MEMORY_MB: '65536' } });
  procs.start(DST, { role: 'compute', host: DST });
  await waitForHosts(stack.sql, 2);
});

afterAll(async () => {
  await procs?.stopAll();
  await stack?.stop();
});

const STEPS = [
  { step: HypervisorStep.MigrateDisk, host: SRC, task: 'resize_migrating' },
  { step: HypervisorStep.FinishMigration, host: DST, task: 'resize_finish' },
] as const;
const VICTIMS = ['conductor', SRC, DST] as const;

describe.each(STEPS)('killed while $step runs on $host', ({ step, host, task }) => {
  it.each(VICTIMS)('the %s process: the migration completes and confirms cleanly', async (victim) => {
    const id = await api.createServer({ name: `crash-${step}-${victim}` });
    expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
    await stack.hypervisor(host).faults.set(step, { mode: 'hang' });
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === task);

    await procs.kill(victim);
    await stack.hypervisor(host).faults.clear();
    procs.restart(victim);

    const server = await api.waitForStatus(id, 'VERIFY_RESIZE', 60_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe(DST);
    expect(await stack.hypervisor(DST).diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
    await api.waitForStatus(id, 'ACTIVE', 30_000);
    await waitFor('the source guest to go', async () => (await stack.hypervisor(SRC).getGuest(id)) === undefined);
    await expectAuditClean(api);
    expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await api.waitForGone(id);
  });
});
