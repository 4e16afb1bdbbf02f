import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient } from '../support/http';
import { TestProcesses } from '../support/processes';
import { startTestStack, waitForHosts, type TestStack } from '../support/test-stack';
import { expectAuditClean } from '../support/audit';
import { expectNoStagedCopy, waitForStagedCopy } from '../support/staged-copies';

// Shelve and unshelve with the conductor or the compute host killed -9 mid-upload and mid-spawn, then restarted:
// the operation must finish by itself with the guest's data intact, one claim, and no shelve image left over.
// host-a is larger, so the scheduler puts servers (and unshelves) there; host-b stays the alternate.
let stack: TestStack;
let api: ApiClient;
let procs: TestProcesses;

const HOST = 'host-a';
const OTHER = 'host-b';

beforeAll(async () => {
  stack = await startTestStack({ hosts: [], inProcessConductor: false, settings: { shelvedOffloadTimeMs: 0 } });
  api = new ApiClient(stack.baseUrl);
  procs = new TestProcesses(stack);
  procs.start('conductor', { role: 'conductor' });
  procs.start(HOST, {
    role: 'compute',
    host: HOST,
    env: { NOVA_COMPUTE_VCPUS: '64', NOVA_COMPUTE_MEMORY_MB: '65536' },
  });
  procs.start(OTHER, { role: 'compute', host: OTHER });
  await waitForHosts(stack.sql, 2);
});

afterAll(async () => {
  await procs?.stopAll();
  await stack?.stop();
});

afterEach(async () => {
  for (const host of [HOST, OTHER]) await stack.hypervisor(host).faults.clear();
});

async function imageStatus(id: string): Promise<string | undefined> {
  const [row] = await stack.sql`SELECT status FROM images WHERE id = ${id}`;
  return row?.['status'] as string | undefined;
}

/** A running server on HOST whose disk holds bytes of its own, and the checksum those bytes must keep. */
async function serverWithData(name: string): Promise<{ id: string; checksum: string }> {
  const id = await api.createServer({ name });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(HOST);
  await stack.hypervisor(HOST).guestWrite(id, 4096, Buffer.from(`${name}: data that must survive the crash`));
  const checksum = await stack.hypervisor(HOST).diskChecksum(id);
  if (!checksum) throw new Error(`${name} has no disk on ${HOST}`);
  return { id, checksum };
}

async function restartAfterKill(victim: string, faultyHost: string): Promise<void> {
  await procs.kill(victim);
  await stack.hypervisor(faultyHost).faults.clear();
  procs.restart(victim);
}

const VICTIMS = ['conductor', HOST] as const;

describe.each(VICTIMS)('the %s process killed', (victim) => {
  it('mid-upload of a shelve: the server ends SHELVED_OFFLOADED, and unshelves with its data', async () => {
    const { id, checksum } = await serverWithData(`shelve-upload-${victim}`);
    await stack.hypervisor(HOST).faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'shelving_image_uploading');
    await waitForStagedCopy(stack.imageDir);

    await restartAfterKill(victim, HOST);

    const offloaded = await api.waitForStatus(id, 'SHELVED_OFFLOADED', 60_000);
    expect(offloaded['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(offloaded['OS-EXT-STS:task_state']).toBeNull();
    expect(await stack.hypervisor(HOST).getGuest(id)).toBeUndefined();
    await expectAuditClean(api);
    await expectNoStagedCopy(stack.imageDir);

    expect((await api.action(id, { unshelve: null })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE', 30_000);
    expect(await stack.hypervisor(HOST).diskChecksum(id)).toBe(checksum);
    await expectAuditClean(api);
  });

  it('mid-spawn of an unshelve: the server ends ACTIVE with its data, one claim, and the shelve image gone', async () => {
    const { id, checksum } = await serverWithData(`unshelve-spawn-${victim}`);
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    await api.waitForStatus(id, 'SHELVED_OFFLOADED');
    const [row] = await stack.sql`SELECT shelved_image_id FROM instances WHERE uuid = ${id}`;
    const imageId = row?.['shelved_image_id'] as string;
    expect(await imageStatus(imageId)).toBe('active');

    await stack.hypervisor(HOST).faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    expect((await api.action(id, { unshelve: null })).status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');

    await restartAfterKill(victim, HOST);

    const server = await api.waitForStatus(id, 'ACTIVE', 60_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe(HOST);
    expect(server['OS-EXT-STS:task_state']).toBeNull();
    expect(await stack.hypervisor(HOST).diskChecksum(id)).toBe(checksum);
    expect(await stack.hypervisor(OTHER).getGuest(id)).toBeUndefined();
    const claims = await stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`;
    expect(claims).toEqual([{ host: HOST }]);
    await waitFor('the shelve image to be deleted', async () => (await imageStatus(imageId)) === 'deleted');
    await expectAuditClean(api);

    expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await api.waitForGone(id);
  });
});
