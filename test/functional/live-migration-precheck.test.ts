import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { PowerState } from '../../domain/states';
import { ApiClient, CIRROS, type Reply } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// Servers are created on host-a (the largest); the scheduler then prefers host-b over host-c as destination.
const HOSTS = ['host-a', 'host-b', 'host-c'];
const DEST_CHECK = 'compute_check_can_live_migrate_destination';
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 },
      { name: 'host-b', vcpus: 32, memoryMb: 32768, diskGb: 1000 },
      { name: 'host-c', vcpus: 16, memoryMb: 16384, diskGb: 500 },
    ],
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  for (const host of HOSTS) await stack.hypervisor(host).faults.clear();
  const { allocation_audit } = (await api.get('/v2.1/os-allocation-audit')).body;
  expect(allocation_audit).toEqual({ orphaned_allocations: [], missing_allocations: [], overcommitted_hosts: [] });
});

const v = (version: string) => api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
const liveTo = (host: string | null) => ({ 'os-migrateLive': { host, block_migration: 'auto' } });

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-a');
  return id;
}

/** Starts the live migration and waits until it has ended, one way or the other. */
async function migrateLive(id: string, host: string | null = null): Promise<{ reply: Reply; server: any }> {
  const reply = await v('2.30').action(id, liveTo(host));
  expect(reply.status).toBe(202);
  const server = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
  return { reply, server };
}

async function migrationOf(id: string): Promise<{ uuid: string; status: string; dest_compute: string | null }> {
  const [row] = await stack.sql<{ uuid: string; status: string; dest_compute: string | null }[]>`
    SELECT uuid, status, dest_compute FROM server_migrations WHERE instance_uuid = ${id} ORDER BY id DESC LIMIT 1`;
  return row!;
}

/** Every allocation of the instance and of its migration, as [consumer, host]. */
async function allocationsOf(id: string, migrationUuid: string): Promise<string[][]> {
  const rows = await stack.sql<{ consumer_uuid: string; host: string }[]>`
    SELECT consumer_uuid, host FROM allocations WHERE consumer_uuid IN (${id}, ${migrationUuid}) ORDER BY host`;
  return rows.map((r) => [r.consumer_uuid === id ? 'instance' : 'migration', r.host]);
}

/** The instance action of the request, its destination checks as [host, result, traceback]. */
async function actionOf(id: string, reply: Reply) {
  const requestId = reply.headers.get('x-openstack-request-id');
  const { instanceAction } = (await v('2.62').get(`/v2.1/servers/${id}/os-instance-actions/${requestId}`)).body;
  const events = instanceAction.events as any[];
  const checks = events
    .filter((e) => e.event === DEST_CHECK)
    .map((e) => [e.host, e.result, e.traceback ?? null])
    .sort();
  return { message: instanceAction.message, events, checks };
}

/** Where the fake hypervisors hold the guest, with its power state. */
async function guestsOf(id: string): Promise<Record<string, number>> {
  const where: Record<string, number> = {};
  for (const host of HOSTS) {
    const guest = await stack.hypervisor(host).getGuest(id);
    if (guest) where[host] = guest.powerState;
  }
  return where;
}

/** Every compute step the instance's operations scheduled, as [activity type, task queue]. */
async function computeStepsOf(id: string): Promise<string[][]> {
  const steps: string[][] = [];
  for await (const wf of stack.client.workflow.list({ query: `InstanceId = '${id}'` })) {
    const history = await stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      const queue = scheduled?.taskQueue?.name ?? '';
      if (queue.includes('compute-')) steps.push([scheduled!.activityType!.name!, queue]);
    }
  }
  return steps;
}

async function faultOf(id: string): Promise<{ message: string; details: string } | null> {
  const [row] = await stack.sql<{ fault: { message: string; details: string } | null }[]>`
    SELECT fault FROM instances WHERE uuid = ${id}`;
  return row!.fault;
}

describe('live migration pre-checks', () => {
  it('moves on to an alternate when the first destination refuses, and shows the refusal', async () => {
    await stack.hypervisor('host-b').faults.set(HypervisorStep.CheckLiveMigrateDestination, { mode: 'fail' });
    const id = await activeServer('refused-once');
    const { reply, server } = await migrateLive(id);

    expect(server.status).toBe('ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-c');
    const migration = await migrationOf(id);
    expect(migration).toMatchObject({ status: 'completed', dest_compute: 'host-c' });
    expect(await allocationsOf(id, migration.uuid)).toEqual([['instance', 'host-c']]);
    expect(await guestsOf(id)).toEqual({ 'host-c': PowerState.Running });
    expect(await stack.hypervisor('host-c').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));

    const action = await actionOf(id, reply);
    expect(action.message).toBeNull();
    expect(action.checks).toEqual([
      ['host-b', 'Error', expect.stringContaining('Migration pre-check error: Fake hypervisor on host-b failed step')],
      ['host-c', 'Success', null],
    ]);
    const results = Object.fromEntries(action.events.map((e) => [`${e.event}@${e.host ?? ''}`, e.result]));
    expect(results).toMatchObject({
      'conductor_live_migrate_instance@': 'Success',
      'compute_check_can_live_migrate_source@host-a': 'Success',
      'compute_pre_live_migration@host-c': 'Success',
      'compute_live_migration@host-a': 'Success',
    });
  });

  it('refuses for what the destination really holds: a leftover guest, a full local disk', async () => {
    const id = await activeServer('really-refused');
    const guest = (await stack.hypervisor('host-a').getGuest(id))!;
    // host-b still has a guest of this instance (a leftover); host-c's disk is taken by a guest the database
    // does not know, so the scheduler, which counts claims, sees room on both.
    await stack.hypervisor('host-b').saveGuest({ ...guest, powerState: PowerState.Shutdown });
    const squatter = '00000000-0000-4000-8000-00000000cafe';
    const big = { ...guest.flavor, root_gb: 500 };
    await stack.hypervisor('host-c').saveGuest({ ...guest, uuid: squatter, name: 'squatter', flavor: big });
    // Outside the migration the leftover is an orphan that host-b's reaper rightly destroys on its next report;
    // a failing destroy holds the reaper off, and the histories show the migration itself never tried one.
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Destroy, { mode: 'fail' });
    try {
      const { reply, server } = await migrateLive(id);
      expect(server.status).toBe('ACTIVE');
      expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
      expect(await migrationOf(id)).toMatchObject({ status: 'error' });
      const { checks } = await actionOf(id, reply);
      expect(checks).toEqual([
        ['host-b', 'Error', `Migration pre-check error: Instance ${id} already has a guest on host host-b.`],
        [
          'host-c',
          'Error',
          expect.stringMatching(
            /Disk of instance is too large \(available on destination host: -?\d+ GB < need: 1 GB\)/,
          ),
        ],
      ]);
      // The refusal destroyed nothing: the source guest runs, the leftover and the squatter are untouched.
      expect(await guestsOf(id)).toEqual({ 'host-a': PowerState.Running, 'host-b': PowerState.Shutdown });
      expect(await stack.hypervisor('host-c').getGuest(squatter)).toBeDefined();
      const steps = await computeStepsOf(id);
      expect(steps).toContainEqual(['checkCanLiveMigrateDestination', `${stack.prefix}compute-host-b`]);
      expect(steps.filter(([step]) => step === 'destroy')).toEqual([]);
    } finally {
      await stack.hypervisor('host-b').faults.clear(HypervisorStep.Destroy);
      const ctx = { progress: () => undefined, signal: new AbortController().signal };
      await stack.hypervisor('host-b').destroy(id, ctx);
      await stack.hypervisor('host-c').destroy(squatter, ctx);
    }
  });

  it('ends in error with the server ACTIVE on its source when every destination refuses', async () => {
    for (const host of ['host-b', 'host-c']) {
      await stack.hypervisor(host).faults.set(HypervisorStep.CheckLiveMigrateDestination, { mode: 'fail' });
    }
    const id = await activeServer('refused-everywhere');
    const { reply, server } = await migrateLive(id);

    expect(server.status).toBe('ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    expect(server['OS-EXT-STS:task_state']).toBeNull();
    const migration = await migrationOf(id);
    expect(migration.status).toBe('error');
    expect(await allocationsOf(id, migration.uuid)).toEqual([['instance', 'host-a']]);
    expect(await guestsOf(id)).toEqual({ 'host-a': PowerState.Running });
    expect(await faultOf(id)).toEqual(
      expect.objectContaining({
        message: `Exceeded maximum number of retries. Exceeded max scheduling retries 1 for instance ${id} during live migration`,
        details: 'MaxRetriesExceeded',
      }),
    );
    const action = await actionOf(id, reply);
    expect(action.message).toBe('Error');
    expect(action.checks.map(([host, result]) => [host, result])).toEqual([
      ['host-b', 'Error'],
      ['host-c', 'Error'],
    ]);
    expect(action.checks[1]?.[2]).toContain('Fake hypervisor on host-c failed step checkLiveMigrateDestination');
    expect(action.events.find((e) => e.event === 'compute_pre_live_migration')).toBeUndefined();
  });

  it('tries no alternate when the requested host refuses', async () => {
    await stack.hypervisor('host-b').faults.set(HypervisorStep.CheckLiveMigrateDestination, { mode: 'fail' });
    const id = await activeServer('requested-refused');
    const { reply, server } = await migrateLive(id, 'host-b');

    expect(server.status).toBe('ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    const migration = await migrationOf(id);
    expect(migration.status).toBe('error');
    expect(await allocationsOf(id, migration.uuid)).toEqual([['instance', 'host-a']]);
    expect(await guestsOf(id)).toEqual({ 'host-a': PowerState.Running });
    expect(await faultOf(id)).toEqual(
      expect.objectContaining({ details: 'MigrationPreCheckError', message: expect.stringContaining('host-b') }),
    );
    const { checks } = await actionOf(id, reply);
    expect(checks.map(([host, result]) => [host, result])).toEqual([['host-b', 'Error']]);
  });

  it('refuses a server whose guest is not running on its source, before any destination', async () => {
    const id = await activeServer('source-stopped');
    const guest = (await stack.hypervisor('host-a').getGuest(id))!;
    await stack.hypervisor('host-a').saveGuest({ ...guest, powerState: PowerState.Shutdown });
    const { reply, server } = await migrateLive(id);

    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    const migration = await migrationOf(id);
    expect(migration).toMatchObject({ status: 'error', dest_compute: null });
    expect(await allocationsOf(id, migration.uuid)).toEqual([['instance', 'host-a']]);
    expect(await faultOf(id)).toEqual(expect.objectContaining({ details: 'InstanceNotRunning' }));
    const { events, checks } = await actionOf(id, reply);
    expect(checks).toEqual([]);
    expect(events.find((e) => e.event === 'compute_check_can_live_migrate_source')).toMatchObject({
      host: 'host-a',
      result: 'Error',
    });
  });
});
