import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { spawnEntryPoint } from '../../worker/infra/processes';
import { waitFor } from '../../worker/infra/ports';
import { stopChild } from '../../worker/infra/temporal-server';
import { ApiClient, CIRROS } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// The compute host runs as its own process here, started the way `npm start` starts it, so it can be killed.
const HOST = 'host-proc';
let stack: TestStack;
let api: ApiClient;
let compute: ChildProcess | undefined;

function startComputeProcess(): ChildProcess {
  return spawnEntryPoint(
    'compute',
    {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      // Present in the parent on purpose: the launcher must not pass it on to a compute host.
      DATABASE_URL: 'postgres://nova:secret@127.0.0.1:1/nova',
      PGPASSWORD: 'secret',
      TEMPORAL_ADDRESS: stack.temporalAddress,
      NOVA_QUEUE_PREFIX: stack.prefix,
      NOVA_COMPUTE_HOST: HOST,
      NOVA_DATA_DIR: stack.dataDir,
      NOVA_COMPUTE_REPORT_INTERVAL_S: '2',
      LOG_LEVEL: 'warn',
    },
    'ignore',
  );
}

function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [] });
  api = new ApiClient(stack.baseUrl);
  compute = startComputeProcess();
  await waitFor('the compute process to register its host', async () => {
    const rows = await stack.sql`SELECT 1 FROM hosts WHERE name = ${HOST}`;
    return rows.length === 1;
  });
});

afterAll(async () => {
  if (compute) await stopChild(compute);
  await stack?.stop();
});

describe('compute host process', () => {
  it('has no database URL or password in its environment', () => {
    const env = environOf(compute!.pid!);
    expect(env['NOVA_COMPUTE_HOST']).toBe(HOST);
    expect(env['DATABASE_URL']).toBeUndefined();
    expect(env['PGPASSWORD']).toBeUndefined();
    expect(Object.values(env).some((v) => v.includes('secret'))).toBe(false);
  });

  it('finishes a create after being killed mid-spawn and restarted', async () => {
    await stack.hypervisor(HOST).faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    const id = await api.createServer({ name: 'survivor' });
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');

    compute!.kill('SIGKILL');
    await new Promise((resolve) => compute!.once('exit', resolve));
    await stack.hypervisor(HOST).faults.clear();
    compute = startComputeProcess();

    const server = await api.waitForStatus(id, 'ACTIVE', 45_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe(HOST);
    expect(await stack.hypervisor(HOST).diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    const claims = await stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`;
    expect(claims).toEqual([{ host: HOST }]);
  });

  it('finishes a cold migration after the source host is killed mid-copy and restarted', async () => {
    const id = await api.createServer({ name: 'traveller' });
    await api.waitForStatus(id, 'ACTIVE');
    await stack.startHost({ name: 'host-dest' });
    await waitFor('the destination to register', async () => (await stack.sql`SELECT 1 FROM hosts`).length === 2);
    await stack.hypervisor(HOST).faults.set(HypervisorStep.MigrateDisk, { mode: 'hang' });
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'resize_migrating');

    compute!.kill('SIGKILL');
    await new Promise((resolve) => compute!.once('exit', resolve));
    await stack.hypervisor(HOST).faults.clear();
    compute = startComputeProcess();

    const server = await api.waitForStatus(id, 'VERIFY_RESIZE', 45_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-dest');
    expect(await stack.hypervisor('host-dest').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
    await api.waitForStatus(id, 'ACTIVE');
    await waitFor('the source allocation to go', async () => {
      const rows = await stack.sql`SELECT host FROM allocations WHERE host = ${HOST}`;
      return rows.length === 1; // the first test's server only
    });
    expect(await stack.hypervisor(HOST).getGuest(id)).toBeUndefined();
  });
});
