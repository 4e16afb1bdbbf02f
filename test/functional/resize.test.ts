import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, CIRROS } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// Sizes fix the scheduler's order (it spreads by free RAM, vCPU and disk): creates land on host-a; moves from
// host-a prefer host-b, then host-c as the alternate.
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
  for (const host of ['host-a', 'host-b', 'host-c']) await stack.hypervisor(host).faults.clear();
});

interface Allocation {
  consumer_uuid: string;
  host: string;
  memory_mb: number;
}

async function allocations(instanceUuid: string): Promise<Allocation[]> {
  return stack.sql<Allocation[]>`
    SELECT a.consumer_uuid, a.host, a.memory_mb FROM allocations a
    WHERE a.consumer_uuid = ${instanceUuid}
       OR a.consumer_uuid IN (SELECT uuid FROM server_migrations WHERE instance_uuid = ${instanceUuid})
    ORDER BY a.host`;
}

async function latestMigration(instanceUuid: string) {
  const [row] = await stack.sql<{ uuid: string; status: string; migration_type: string; dest_compute: string }[]>`
    SELECT uuid, status, migration_type, dest_compute FROM server_migrations
    WHERE instance_uuid = ${instanceUuid} ORDER BY id DESC LIMIT 1`;
  return row!;
}

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-a');
  return id;
}

describe('cold migrate', () => {
  let id: string;

  it('moves the disk to another host and waits in VERIFY_RESIZE holding both sides', async () => {
    id = await activeServer('mover');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    const server = await api.waitForStatus(id, 'VERIFY_RESIZE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    expect(server['OS-EXT-STS:vm_state']).toBe('resized');
    expect(server['OS-EXT-STS:power_state']).toBe(1);

    const migration = await latestMigration(id);
    expect(migration).toMatchObject({ status: 'finished', migration_type: 'migration', dest_compute: 'host-b' });
    expect(await allocations(id)).toEqual([
      { consumer_uuid: migration.uuid, host: 'host-a', memory_mb: 512 },
      { consumer_uuid: id, host: 'host-b', memory_mb: 512 },
    ]);
    expect(await stack.hypervisor('host-b').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect((await stack.hypervisor('host-a').getGuest(id))?.powerState).toBe(4);
  });

  it('refuses other actions with 409 while it awaits confirmation', async () => {
    const reply = await api.action(id, { 'os-stop': null });
    expect(reply.status).toBe(409);
    expect(reply.body.conflictingRequest.message).toBe(`Cannot 'stop' instance ${id} while it is in vm_state resized`);
  });

  it('confirms with 204: the source guest and the source allocation go', async () => {
    const reply = await api.action(id, { confirmResize: null });
    expect(reply.status).toBe(204);
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    await api.waitForServer(id, () => true);
    expect((await latestMigration(id)).status).toBe('confirmed');
    expect(await allocations(id)).toEqual([{ consumer_uuid: id, host: 'host-b', memory_mb: 512 }]);
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    expect(await stack.hypervisor('host-a').diskChecksum(id)).toBeUndefined();
  });

  it('records the migrate and confirmResize actions with their steps and hosts', async () => {
    const v262 = api.withHeaders({ 'OpenStack-API-Version': 'compute 2.62' });
    const { instanceActions } = (await v262.get(`/v2.1/servers/${id}/os-instance-actions`)).body;
    expect(instanceActions.map((a: any) => a.action)).toEqual(['confirmResize', 'migrate', 'create']);
    const eventsOf = async (requestId: string) =>
      (await v262.get(`/v2.1/servers/${id}/os-instance-actions/${requestId}`)).body.instanceAction.events
        .map((e: any) => [e.event, e.result, e.host])
        .sort();
    expect(await eventsOf(instanceActions[1].request_id)).toEqual([
      ['compute_finish_resize', 'Success', 'host-b'],
      ['compute_resize_instance', 'Success', 'host-a'],
      ['conductor_migrate_server', 'Success', null],
    ]);
    expect(await eventsOf(instanceActions[0].request_id)).toEqual([['compute_confirm_resize', 'Success', 'host-a']]);
  });

  it('answers 409 to confirmResize when the server is not resized', async () => {
    const reply = await api.action(id, { confirmResize: null });
    expect(reply.status).toBe(409);
    expect(reply.body.conflictingRequest.message).toBe(
      `Cannot 'confirmResize' instance ${id} while it is in vm_state active`,
    );
  });
});

describe('resize and revert', () => {
  it('resizes to a bigger flavor, then reverts to the source with the old flavor and claim', async () => {
    const id = await activeServer('grower');
    expect((await api.action(id, { resize: { flavorRef: '2' } })).status).toBe(202);
    const resized = await api
      .withHeaders({ 'OpenStack-API-Version': 'compute 2.47' })
      .waitForStatus(id, 'VERIFY_RESIZE');
    expect(resized.flavor.original_name).toBe('m1.small');
    expect(resized['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    const migration = await latestMigration(id);
    expect(await allocations(id)).toEqual([
      { consumer_uuid: migration.uuid, host: 'host-a', memory_mb: 512 },
      { consumer_uuid: id, host: 'host-b', memory_mb: 2048 },
    ]);

    expect((await api.action(id, { revertResize: null })).status).toBe(202);
    const reverted = await api.withHeaders({ 'OpenStack-API-Version': 'compute 2.47' }).waitForStatus(id, 'ACTIVE');
    expect(reverted['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    expect(reverted.flavor.original_name).toBe('m1.tiny');
    expect(reverted['OS-EXT-STS:power_state']).toBe(1);
    expect((await latestMigration(id)).status).toBe('reverted');
    expect(await allocations(id)).toEqual([{ consumer_uuid: id, host: 'host-a', memory_mb: 512 }]);
    expect(await stack.hypervisor('host-b').getGuest(id)).toBeUndefined();
    expect((await stack.hypervisor('host-a').getGuest(id))?.powerState).toBe(1);
    expect(await stack.hypervisor('host-a').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
  });

  it('rejects a resize to the same flavor or an unknown one with 400', async () => {
    const id = await activeServer('same');
    const same = await api.action(id, { resize: { flavorRef: '1' } });
    expect(same.body).toEqual({ badRequest: { code: 400, message: 'Resize requires a flavor change.' } });
    const unknown = await api.action(id, { resize: { flavorRef: '42' } });
    expect(unknown.body).toEqual({ badRequest: { code: 400, message: 'Unable to locate requested flavor.' } });
  });
});

describe('failures', () => {
  it('moves on to the alternate host when the destination fails to start the guest', async () => {
    await stack.hypervisor('host-b').faults.set(HypervisorStep.FinishMigration, { mode: 'fail' });
    const id = await activeServer('rerouted');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    const server = await api.waitForStatus(id, 'VERIFY_RESIZE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-c');
    const migration = await latestMigration(id);
    expect(await allocations(id)).toEqual([
      { consumer_uuid: migration.uuid, host: 'host-a', memory_mb: 512 },
      { consumer_uuid: id, host: 'host-c', memory_mb: 512 },
    ]);
    expect(await stack.hypervisor('host-b').getGuest(id)).toBeUndefined();
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
    await api.waitForStatus(id, 'ACTIVE');
  });

  it('rolls back to a running guest on the source when every destination fails, and a new migrate retries', async () => {
    await stack.hypervisor('host-b').faults.set(HypervisorStep.FinishMigration, { mode: 'fail' });
    await stack.hypervisor('host-c').faults.set(HypervisorStep.FinishMigration, { mode: 'fail' });
    const id = await activeServer('stayer');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    await waitFor('the migration to roll back', async () => (await latestMigration(id)).status === 'error');
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    const [fault] = await stack.sql`SELECT fault FROM instances WHERE uuid = ${id}`;
    expect(fault!['fault'].message).toContain('Exceeded maximum number of retries');
    expect(await allocations(id)).toEqual([{ consumer_uuid: id, host: 'host-a', memory_mb: 512 }]);
    expect((await stack.hypervisor('host-a').getGuest(id))?.powerState).toBe(1);
    expect(await stack.hypervisor('host-a').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    for (const host of ['host-b', 'host-c']) expect(await stack.hypervisor(host).getGuest(id)).toBeUndefined();

    // The retry path: the instance is ACTIVE on its source with clean claims, so one new migrate request retries.
    await stack.hypervisor('host-b').faults.clear();
    await stack.hypervisor('host-c').faults.clear();
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    expect((await api.waitForStatus(id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
    await api.waitForStatus(id, 'ACTIVE');
    const statuses = await stack.sql`SELECT status FROM server_migrations WHERE instance_uuid = ${id} ORDER BY id`;
    expect(statuses.map((r) => r['status'])).toEqual(['error', 'confirmed']);
    expect(await stack.hypervisor('host-b').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
  });
});

describe('policy, targets and delete', () => {
  it('refuses migrate to non-admins with 403', async () => {
    const id = await api.as('alice:proj-x').createServer({ name: 'alice-vm' });
    await api.waitForStatus(id, 'ACTIVE');
    const reply = await api.as('alice:proj-x').action(id, { migrate: null });
    expect(reply.status).toBe(403);
    expect(reply.body.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed.",
    );
  });

  it('migrates to a named host from 2.56 and rejects unknown or current hosts', async () => {
    const id = await activeServer('targeted');
    const v256 = api.withHeaders({ 'OpenStack-API-Version': 'compute 2.56' });
    expect((await v256.action(id, { migrate: { host: 'nowhere' } })).body.badRequest.message).toBe(
      'Compute host nowhere could not be found.',
    );
    expect((await v256.action(id, { migrate: { host: 'host-a' } })).body.badRequest.message).toBe(
      'Cannot migrate to the host where the server exists.',
    );
    expect((await v256.action(id, { migrate: { host: 'host-c' } })).status).toBe(202);
    expect((await api.waitForStatus(id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host']).toBe('host-c');
  });

  it('deletes a server in VERIFY_RESIZE: confirmed first, then nothing left anywhere', async () => {
    const id = await activeServer('gone');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    await api.waitForStatus(id, 'VERIFY_RESIZE');
    expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await api.waitForGone(id);
    expect(await allocations(id)).toEqual([]);
    expect((await latestMigration(id)).status).toBe('confirmed');
    for (const host of ['host-a', 'host-b', 'host-c'])
      expect(await stack.hypervisor(host).getGuest(id)).toBeUndefined();
  });
});

describe('allocation audit', () => {
  it('finds nothing out of place after every move above, and refuses non-admins', async () => {
    const reply = await api.get('/v2.1/os-allocation-audit');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      allocation_audit: { orphaned_allocations: [], missing_allocations: [], overcommitted_hosts: [] },
    });
    expect((await api.as('alice:proj-x').get('/v2.1/os-allocation-audit')).status).toBe(403);
  });

  it('reports an allocation left by a consumer that does not exist', async () => {
    const ghost = '00000000-0000-4000-8000-00000000beef';
    await stack.sql`INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
                    VALUES (${ghost}, 'host-c', 1, 64, 1)`;
    try {
      const { orphaned_allocations } = (await api.get('/v2.1/os-allocation-audit')).body.allocation_audit;
      expect(orphaned_allocations).toEqual([
        { consumer_uuid: ghost, host: 'host-c', vcpus: 1, memory_mb: 64, disk_gb: 1, reason: 'no such consumer' },
      ]);
    } finally {
      await stack.sql`DELETE FROM allocations WHERE consumer_uuid = ${ghost}`;
    }
  });
});
