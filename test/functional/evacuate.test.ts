import { randomBytes, randomUUID } from 'node:crypto';
import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { serviceUuid } from '../../api/views/hypervisor-ids';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, CIRROS } from '../support/http';
import { startTestStack, type HostSpec, type TestStack } from '../support/test-stack';

// Evacuation from a dead host. host-a is by far the largest host, so every server is created there; host-b
// is larger than host-c, so the scheduler's first choice away from host-a is host-b and its alternate host-c.
// The tests run in order: host-a is up, then dies (its worker and reports stop, and it is forced down), its
// servers are evacuated, and at the end host-a comes back and destroys its stale copies.
const HOST_A: HostSpec = { name: 'host-a', vcpus: 64, memoryMb: 131072, diskGb: 4000 };
const HOST_B: HostSpec = { name: 'host-b', memoryMb: 32768 };
let stack: TestStack;
let admin: ApiClient;
let alice: ApiClient;
const servers: Record<string, string> = {};

const mv = (client: ApiClient, version: string) =>
  client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [HOST_A, HOST_B, { name: 'host-c', memoryMb: 16384 }],
  });
  admin = new ApiClient(stack.baseUrl);
  alice = admin.as('alice:proj');
  // Eleven servers in one project: more than Nova's default instances quota.
  const unlimited = { quota_set: { instances: -1, cores: -1, ram: -1 } };
  expect((await admin.request('PUT', '/v2.1/os-quota-sets/proj', unlimited)).status).toBe(200);
  for (const name of [
    'web',
    'db',
    'cache',
    'batch',
    'stuck',
    'late',
    'doomed',
    'lonely',
    'archive',
    'stored',
    'phoenix',
  ]) {
    servers[name] = await alice.createServer({ name });
  }
  for (const id of Object.values(servers)) {
    expect((await admin.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-a');
  }
  expect((await alice.action(servers['db']!, { 'os-stop': null })).status).toBe(202);
  await alice.waitForStatus(servers['db']!, 'SHUTOFF');
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  for (const host of ['host-a', 'host-b', 'host-c']) await stack.hypervisor(host).faults.clear();
});

function expectNovaError(reply: { status: number; body: any }, status: number, fault: string, message: string) {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ [fault]: { code: status, message } });
}

function evacuate(id: string, body: Record<string, unknown> = {}, version = '2.29') {
  return mv(admin, version).action(id, { evacuate: body });
}

async function allocationHosts(id: string): Promise<string[]> {
  const rows = await stack.sql<{ host: string }[]>`
    SELECT host FROM allocations WHERE consumer_uuid = ${id} ORDER BY host`;
  return rows.map((r) => r.host);
}

async function evacuation(id: string): Promise<any> {
  const reply = await mv(admin, '2.59').get(`/v2.1/os-migrations?instance_uuid=${id}&migration_type=evacuation`);
  expect(reply.status).toBe(200);
  return reply.body.migrations[0];
}

/** The database's clock, which stamps the hosts' reports. */
async function dbNow(): Promise<Date> {
  const [row] = await stack.sql<{ now: Date }[]>`SELECT now() AS now`;
  return row!.now;
}

function setService(host: string, body: Record<string, unknown>) {
  return mv(admin, '2.53').put(`/v2.1/os-services/${serviceUuid(host)}`, body);
}

describe('evacuate while the host is up', () => {
  it('refuses with 400 while the compute service of the source still reports', async () => {
    expectNovaError(await evacuate(servers['web']!), 400, 'badRequest', 'Compute service of host-a is still in use.');
  });

  it('answers 404 for an unknown host and 400 for the host the server is on, before looking at the source', async () => {
    expectNovaError(
      await evacuate(servers['web']!, { host: 'nowhere' }),
      404,
      'itemNotFound',
      'Compute host nowhere not found.',
    );
    expectNovaError(
      await evacuate(servers['web']!, { host: 'host-a' }),
      400,
      'badRequest',
      "The target host can't be the same one.",
    );
  });

  it('forbids non-admins, and checks the body per microversion', async () => {
    expectNovaError(
      await mv(alice, '2.29').action(servers['web']!, { evacuate: {} }),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-evacuate to be performed.",
    );
    expect((await evacuate(servers['web']!, {}, '2.1')).body.badRequest.message).toContain(
      "'onSharedStorage' is a required property",
    );
    expect((await evacuate(servers['web']!, { onSharedStorage: false }, '2.14')).status).toBe(400);
    expect((await evacuate(servers['web']!, { force: true, host: 'host-b' }, '2.68')).status).toBe(400);
    expectNovaError(
      await evacuate(servers['web']!, { force: true }, '2.29'),
      400,
      'badRequest',
      "Can't force to a non-provided destination",
    );
  });
});

describe('evacuate from a dead host', () => {
  beforeAll(async () => {
    await stack.stopHost('host-a');
    expect((await setService('host-a', { forced_down: true })).body.service.state).toBe('down');
  });

  it('rebuilds an active server on another host: 200, ACTIVE there, migration done, both hosts held', async () => {
    const id = servers['web']!;
    const reply = await evacuate(id);
    expect(reply.status).toBe(200);
    expect(reply.body).toBeUndefined();
    const server = await admin.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect(server.fault).toBeUndefined();
    expect(await evacuation(id)).toMatchObject({
      migration_type: 'evacuation',
      status: 'done',
      source_compute: 'host-a',
      dest_compute: 'host-b',
    });
    expect(await allocationHosts(id)).toEqual(['host-a', 'host-b']);
    expect(await stack.hypervisor('host-b').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    // The dead host's copy is untouched until it comes back.
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeDefined();
  });

  it("records Nova's evacuate action with rebuild_server and compute_rebuild_instance on the destination", async () => {
    const id = servers['web']!;
    const list = await mv(admin, '2.62').get(`/v2.1/servers/${id}/os-instance-actions`);
    const action = list.body.instanceActions.find((a: any) => a.action === 'evacuate');
    expect(action).toMatchObject({ message: null, user_id: 'admin' });
    const detail = await mv(admin, '2.62').get(`/v2.1/servers/${id}/os-instance-actions/${action.request_id}`);
    const events = Object.fromEntries(detail.body.instanceAction.events.map((e: any) => [e.event, e]));
    expect(events['rebuild_server']).toMatchObject({ result: 'Success' });
    expect(events['compute_rebuild_instance']).toMatchObject({ result: 'Success', host: 'host-b' });
  });

  it('keeps a stopped server SHUTOFF on its destination below 2.95', async () => {
    const id = servers['db']!;
    expect((await evacuate(id, {}, '2.94')).status).toBe(200);
    const server = await admin.waitForStatus(id, 'SHUTOFF');
    expect(server['OS-EXT-STS:power_state']).toBe(4);
    expect(server['OS-EXT-SRV-ATTR:host']).not.toBe('host-a');
  });

  it('leaves even an active server SHUTOFF from 2.95', async () => {
    const id = servers['cache']!;
    expect((await evacuate(id, {}, '2.95')).status).toBe(200);
    const server = await admin.waitForStatus(id, 'SHUTOFF');
    expect(server['OS-EXT-STS:vm_state']).toBe('stopped');
    expect((await evacuation(id)).status).toBe('done');
  });

  it('answers the admin password before 2.14 and goes to a named host, which bypasses the scheduler then', async () => {
    const id = servers['batch']!;
    const reply = await evacuate(id, { host: 'host-c', onSharedStorage: 'False' }, '2.1');
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['adminPass']);
    expect(typeof reply.body.adminPass).toBe('string');
    expect((await admin.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-c');
    expect((await evacuation(id)).dest_compute).toBe('host-c');
  });

  it('cancels an operation stuck on the dead host, lets it roll back, then evacuates', async () => {
    const id = servers['stuck']!;
    expect((await admin.action(id, { 'os-stop': null })).status).toBe(202);
    await admin.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'powering-off');
    expect((await evacuate(id, { host: 'host-c' }, '2.53')).status).toBe(200);
    const server = await admin.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-c');
    const actions = (await admin.get(`/v2.1/servers/${id}/os-instance-actions`)).body.instanceActions;
    expect(actions.map((a: any) => [a.action, a.message])).toEqual([
      ['evacuate', null],
      ['stop', 'Error'],
      ['create', null],
    ]);
  });

  it('moves to the alternate host when the spawn fails on the first destination', async () => {
    const id = servers['late']!;
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    expect((await evacuate(id)).status).toBe(200);
    const server = await admin.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-c');
    expect(await allocationHosts(id)).toEqual(['host-a', 'host-c']);
    expect(await stack.hypervisor('host-b').getGuest(id)).toBeUndefined();
    expect(await evacuation(id)).toMatchObject({ status: 'done', dest_compute: 'host-c' });
  });

  it('ends in ERROR on its source with the migration failed when every destination fails', async () => {
    const id = servers['doomed']!;
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    await stack.hypervisor('host-c').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    expect((await evacuate(id)).status).toBe(200);
    const server = await admin.waitForStatus(id, 'ERROR');
    expect(server.fault.message).toContain('Exceeded maximum number of retries');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    expect((await evacuation(id)).status).toBe('failed');
    expect(await allocationHosts(id)).toEqual(['host-a']);
    for (const host of ['host-b', 'host-c']) expect(await stack.hypervisor(host).getGuest(id)).toBeUndefined();
  });

  it('ends in ERROR with the NoValidHost fault and the migration in error when no other host may take it', async () => {
    const id = servers['lonely']!;
    for (const host of ['host-b', 'host-c']) await setService(host, { status: 'disabled' });
    try {
      expect((await evacuate(id)).status).toBe(200);
      const server = await admin.waitForStatus(id, 'ERROR');
      expect(server.fault.message).toBe('No valid host was found. There are not enough hosts available.');
      expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
      expect((await evacuation(id)).status).toBe('error');
      expect(await allocationHosts(id)).toEqual(['host-a']);
    } finally {
      for (const host of ['host-b', 'host-c']) await setService(host, { status: 'enabled' });
    }
  });

  it('evacuates a server in ERROR after a failed attempt', async () => {
    const id = servers['lonely']!;
    expect((await evacuate(id)).status).toBe(200);
    const server = await admin.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).not.toBe('host-a');
    expect(server.fault).toBeUndefined();
  });

  it('spawns from the stored image bytes when the image has them', async () => {
    const id = servers['stored']!;
    const bytes = randomBytes(3 * 1024 * 1024);
    const stored = await stack.images.write(
      (async function* () {
        yield bytes;
      })(),
    );
    const imageId = randomUUID();
    await stack.sql`
      INSERT INTO images (id, name, size_bytes, store_sha256) VALUES (${imageId}, 'snap', ${bytes.length}, ${stored.sha256})`;
    // A server booted from it, as a snapshot boot would leave it (the create path is the image work's to wire).
    await stack.sql`UPDATE instances SET image_id = ${imageId} WHERE uuid = ${id}`;
    expect((await evacuate(id)).status).toBe(200);
    const server = await admin.waitForStatus(id, 'ACTIVE');
    expect(await stack.hypervisor(server['OS-EXT-SRV-ATTR:host']).diskChecksum(id)).toBe(stored.sha256);
  });

  it('finishes an evacuation whose destination worker restarts mid-spawn, refusing a second one meanwhile', async () => {
    const id = servers['phoenix']!;
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    expect((await evacuate(id, { host: 'host-b' }, '2.53')).status).toBe(200);
    await admin.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'rebuild_spawning');
    // The server already belongs to its destination, which is up.
    expectNovaError(await evacuate(id), 400, 'badRequest', 'Compute service of host-b is still in use.');
    await stack.stopHost('host-b');
    // Now its host is dead too, but a running evacuation is not stuck there: it is not interrupted.
    await setService('host-b', { forced_down: true });
    expectNovaError(
      await evacuate(id),
      409,
      'conflictingRequest',
      `Cannot 'evacuate' instance ${id} while it is in task_state rebuild_spawning`,
    );
    expect((await setService('host-b', { forced_down: false })).status).toBe(200);
    await stack.hypervisor('host-b').faults.clear();
    await stack.startHost(HOST_B);
    const server = await admin.waitForStatus(id, 'ACTIVE', 45_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    expect(await stack.hypervisor('host-b').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect(await allocationHosts(id)).toEqual(['host-a', 'host-b']);
  });

  it('refuses to force the host up while its evacuations are not cleaned up', async () => {
    const reply = await setService('host-a', { forced_down: false });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toBe(
      'Unable to force up host host-a as `done` evacuation migration records remain associated with the host. ' +
        'Ensure the compute service has been restarted, allowing these records to move to `completed` before ' +
        'retrying this request.',
    );
  });

  it('lets a server evacuated away be deleted while its old host is still dead', async () => {
    const id = servers['archive']!;
    expect((await evacuate(id)).status).toBe(200);
    await admin.waitForStatus(id, 'ACTIVE');
    expect((await admin.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await admin.waitForGone(id);
    expect(await allocationHosts(id)).toEqual([]);
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeDefined();
  });
});

describe('the dead host returns', () => {
  const evacuated = () => ['web', 'db', 'cache', 'batch', 'stuck', 'late', 'lonely', 'stored', 'archive', 'phoenix'];

  it('does not count as up again while it has not destroyed its stale copies', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Destroy, { mode: 'fail' });
    const restartedAt = await dbNow();
    await stack.startHost(HOST_A);
    const hostRow = async () =>
      (
        await stack.sql<{ updated_at: Date; last_seen_at: Date }[]>`
        SELECT updated_at, last_seen_at FROM hosts WHERE name = 'host-a'`
      )[0]!;
    await waitFor(
      'host-a to report twice',
      async () => (await hostRow()).updated_at.getTime() > restartedAt.getTime() + 2000,
    );
    expect((await hostRow()).last_seen_at.getTime()).toBeLessThan(restartedAt.getTime());
    expect(await stack.hypervisor('host-a').getGuest(servers['web']!)).toBeDefined();
    expect((await evacuation(servers['web']!)).status).toBe('done');
  });

  it('destroys them once it can, and reports up from then on', async () => {
    await stack.hypervisor('host-a').faults.clear();
    await waitFor(
      'the evacuations away from host-a to complete',
      async () => {
        const rows = await stack.sql`
          SELECT 1 FROM server_migrations WHERE source_compute = 'host-a' AND status = 'done'`;
        return rows.length === 0;
      },
      30_000,
    );
    const cleanedAt = await dbNow();
    await waitFor('host-a to report alive again', async () => {
      const [row] = await stack.sql<{ last_seen_at: Date }[]>`SELECT last_seen_at FROM hosts WHERE name = 'host-a'`;
      return row!.last_seen_at.getTime() >= cleanedAt.getTime();
    });
  });

  it('destroys the stale copies of its evacuated servers, disks included', async () => {
    for (const name of evacuated()) {
      const id = servers[name]!;
      expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
      expect(await stack.hypervisor('host-a').diskChecksum(id)).toBeUndefined();
    }
  });

  it('drops their source allocations and completes their migrations', async () => {
    for (const name of evacuated()) {
      const id = servers[name]!;
      expect(await allocationHosts(id)).not.toContain('host-a');
      expect((await evacuation(id)).status).toBe('completed');
    }
  });

  it('keeps the guest of the server whose evacuation failed, which still lives there in ERROR', async () => {
    const id = servers['doomed']!;
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeDefined();
    expect(await allocationHosts(id)).toEqual(['host-a']);
    expect((await evacuation(id)).status).toBe('failed');
  });

  it('leaves the evacuated servers running where they are', async () => {
    const server = await admin.waitForStatus(servers['web']!, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    expect((await stack.hypervisor('host-b').getGuest(servers['web']!))?.powerState).toBe(1);
  });

  it('can be forced up again, and then reports up', async () => {
    const reply = await setService('host-a', { forced_down: false });
    expect(reply.status).toBe(200);
    await waitFor('host-a to report up', async () => {
      const list = (await mv(admin, '2.53').get('/v2.1/os-services?host=host-a')).body.services;
      return list[0]?.state === 'up';
    });
  });

  it('leaves nothing out of place in the allocation audit', async () => {
    const reply = await admin.get('/v2.1/os-allocation-audit');
    expect(reply.body).toEqual({
      allocation_audit: { orphaned_allocations: [], missing_allocations: [], overcommitted_hosts: [] },
    });
  });
});
