import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient } from '../support/http';
import { TestProcesses } from '../support/processes';
import { startTestStack, waitForHosts, type TestStack } from '../support/test-stack';

// The conductor (workflows + every database write) runs as its own process here, so it can be killed -9.
let stack: TestStack;
let api: ApiClient;
let procs: TestProcesses;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }], inProcessConductor: false });
  api = new ApiClient(stack.baseUrl);
  procs = new TestProcesses(stack);
  procs.start('conductor', { role: 'conductor' });
  await waitForHosts(stack.sql, 1);
});

afterAll(async () => {
  await procs?.stopAll();
  await stack?.stop();
});

describe('conductor process', () => {
  it('resumes a create after being killed mid-operation: no stuck task_state, one claim', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    const id = await api.createServer({ name: 'survivor' });
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');

    await procs.kill('conductor');
    // The spawn finishes while no conductor runs; its result waits in Temporal for the next conductor.
    await stack.hypervisor('host-a').faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-STS:task_state']).toBe('spawning');
    procs.restart('conductor');

    const server = await api.waitForStatus(id, 'ACTIVE', 45_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    const claims = await stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`;
    expect(claims).toEqual([{ host: 'host-a' }]);
  });

  it('admits a stop while a fresh conductor process serves', async () => {
    const id = await api.createServer({ name: 'after-restart' });
    await api.waitForStatus(id, 'ACTIVE');
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(id, 'SHUTOFF');
  });
});
