import type { ChildProcess } from 'node:child_process';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { spawnEntryPoint } from '../../worker/infra/processes';
import { stopChild } from '../../worker/infra/temporal-server';
import { ApiClient } from '../support/http';
import { startTestStack, waitForHosts, type TestStack } from '../support/test-stack';

// The conductor (workflows + every database write) runs as its own process here, so it can be killed -9.
let stack: TestStack;
let api: ApiClient;
let conductor: ChildProcess | undefined;

function startConductorProcess(): ChildProcess {
  return spawnEntryPoint(
    'conductor',
    {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      NOVA_QUEUE_PREFIX: stack.prefix,
      NOVA_WORKFLOW_BUNDLE: process.env['NOVA_TEST_WORKFLOW_BUNDLE'],
      LOG_LEVEL: 'warn',
    },
    'ignore',
  );
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }], inProcessConductor: false });
  api = new ApiClient(stack.baseUrl);
  conductor = startConductorProcess();
  await waitForHosts(stack.sql, 1);
});

afterAll(async () => {
  if (conductor) await stopChild(conductor);
  await stack?.stop();
});

describe('conductor process', () => {
  it('resumes a create after being killed mid-operation: no stuck task_state, one claim', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    const id = await api.createServer({ name: 'survivor' });
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');

    conductor!.kill('SIGKILL');
    await new Promise((resolve) => conductor!.once('exit', resolve));
    // The spawn finishes while no conductor runs; its result waits in Temporal for the next conductor.
    await stack.hypervisor('host-a').faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-STS:task_state']).toBe('spawning');
    conductor = startConductorProcess();

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
