import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// host-big has four times the memory, vCPUs and disk, so every weigher keeps it the primary and host-small the
// alternate, whatever earlier tests left on it (with equal vCPUs and disk, one server tipped the sum to host-small).
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-big', memoryMb: 65536, vcpus: 64, diskGb: 2000 },
      { name: 'host-small', memoryMb: 16384, vcpus: 16, diskGb: 500 },
    ],
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  await stack.hypervisor('host-big').faults.clear();
  await stack.hypervisor('host-small').faults.clear();
});

async function allocationHosts(uuid: string): Promise<string[]> {
  const rows = await stack.sql<{ host: string }[]>`SELECT host FROM allocations WHERE consumer_uuid = ${uuid}`;
  return rows.map((r) => r.host);
}

/** The build events of the server's create action, one per host tried, as [host, result]. */
async function buildEvents(uuid: string): Promise<string[][]> {
  const v262 = api.withHeaders({ 'OpenStack-API-Version': 'compute 2.62' });
  const { instanceActions } = (await v262.get(`/v2.1/servers/${uuid}/os-instance-actions`)).body;
  const create = instanceActions.find((a: any) => a.action === 'create');
  const { events } = (await v262.get(`/v2.1/servers/${uuid}/os-instance-actions/${create.request_id}`)).body
    .instanceAction;
  return (events as any[])
    .filter((e) => e.event === 'compute__do_build_and_run_instance')
    .map((e) => [e.host, e.result])
    .sort();
}

describe('build reschedule', () => {
  it('places a server on the emptiest host when nothing fails', async () => {
    const id = await api.createServer({ name: 'spread' });
    expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-big');
  });

  it('moves to the alternate host when the spawn fails on the primary, releasing the primary claim', async () => {
    await stack.hypervisor('host-big').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    const id = await api.createServer({ name: 'rescheduled' });
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-small');
    expect(await allocationHosts(id)).toEqual(['host-small']);
    expect(await stack.hypervisor('host-big').getGuest(id)).toBeUndefined();
    expect(await stack.hypervisor('host-small').getGuest(id)).toBeDefined();
    expect(await buildEvents(id)).toEqual([
      ['host-big', 'Error'],
      ['host-small', 'Success'],
    ]);
  });

  it('does not reschedule a build abort: ERROR at once, no claim', async () => {
    await stack.hypervisor('host-big').faults.set(HypervisorStep.Spawn, { mode: 'abort' });
    const id = await api.createServer({ name: 'aborted' });
    const server = await api.waitForStatus(id, 'ERROR');
    expect(server.fault.message).toContain('failed step spawn');
    expect(await allocationHosts(id)).toEqual([]);
    expect(await stack.hypervisor('host-small').getGuest(id)).toBeUndefined();
  });

  it('ends in ERROR with the retries fault and no claim when every host fails', async () => {
    await stack.hypervisor('host-big').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    await stack.hypervisor('host-small').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    const id = await api.createServer({ name: 'doomed' });
    const server = await api.waitForStatus(id, 'ERROR');
    expect(server.fault.message).toBe(
      `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${id}.`,
    );
    expect(await allocationHosts(id)).toEqual([]);
    expect(await buildEvents(id)).toEqual([
      ['host-big', 'Error'],
      ['host-small', 'Error'],
    ]);
  });
});
