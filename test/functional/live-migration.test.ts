import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, CIRROS } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { expectAuditClean } from '../support/audit';

// Servers are created on host-a (the largest) and live-migrate to host-b.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 },
      { name: 'host-b', vcpus: 32, memoryMb: 32768, diskGb: 1000 },
    ],
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  await stack.hypervisor('host-a').faults.clear();
});

const v = (version: string) => api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
const LIVE = { 'os-migrateLive': { host: null, block_migration: 'auto' } };

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-a');
  return id;
}

async function migrationOf(id: string) {
  const [row] = await stack.sql<{ id: string; status: string; memory_processed_bytes: string | null }[]>`
    SELECT id, status, memory_processed_bytes FROM server_migrations WHERE instance_uuid = ${id} ORDER BY id DESC`;
  return row!;
}

async function allocations(id: string, migrationId: string) {
  const [m] = await stack.sql`SELECT uuid FROM server_migrations WHERE id = ${migrationId}`;
  return stack.sql`SELECT consumer_uuid, host FROM allocations WHERE consumer_uuid IN (${id}, ${m!['uuid']})`;
}

async function runningMigration(id: string): Promise<{ id: number; memory_processed_bytes: number | null }> {
  let found: { id: number; memory_processed_bytes: number | null } | undefined;
  await waitFor('a running live migration with progress', async () => {
    const { migrations } = (await v('2.80').get(`/v2.1/servers/${id}/migrations`)).body;
    found = migrations.find((m: any) => m.status === 'running' && m.memory_processed_bytes > 0);
    return found !== undefined;
  });
  return found!;
}

describe('live migration', () => {
  it('moves a running server to another host without stopping it', async () => {
    const id = await activeServer('live-1');
    expect((await v('2.30').action(id, LIVE)).status).toBe(202);
    const during = (await api.get(`/v2.1/servers/${id}`)).body.server;
    expect(['MIGRATING', 'ACTIVE']).toContain(during.status);
    const server = await api.waitForServer(
      id,
      (s) => s['OS-EXT-STS:task_state'] === null && s['OS-EXT-SRV-ATTR:host'] === 'host-b',
    );
    expect(server.status).toBe('ACTIVE');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    const migration = await migrationOf(id);
    expect(migration.status).toBe('completed');
    expect(Number(migration.memory_processed_bytes)).toBeGreaterThanOrEqual(512 * 1024 * 1024);
    expect(await allocations(id, migration.id)).toEqual([{ consumer_uuid: id, host: 'host-b' }]);
    expect((await stack.hypervisor('host-b').getGuest(id))?.powerState).toBe(1);
    expect(await stack.hypervisor('host-b').diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
  });

  it('shows progress while it runs, and aborts back to the source with DELETE', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.LiveMigrate, { mode: 'hang' });
    const id = await activeServer('live-abort');
    expect((await v('2.30').action(id, LIVE)).status).toBe(202);
    const running = await runningMigration(id);
    expect((await api.get(`/v2.1/servers/${id}`)).body.server.status).toBe('MIGRATING');

    expect((await v('2.24').delete(`/v2.1/servers/${id}/migrations/${running.id}`)).status).toBe(202);
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    const migration = await migrationOf(id);
    expect(migration.status).toBe('cancelled');
    expect(await allocations(id, migration.id)).toEqual([{ consumer_uuid: id, host: 'host-a' }]);
    expect((await stack.hypervisor('host-a').getGuest(id))?.powerState).toBe(1);
    expect(await stack.hypervisor('host-b').getGuest(id)).toBeUndefined();
    const again = await v('2.24').delete(`/v2.1/servers/${id}/migrations/${running.id}`);
    expect(again.status).toBe(400);
  });

  it('completes a migration that does not converge when forced', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.LiveMigrate, { mode: 'hang' });
    const id = await activeServer('live-force');
    expect((await v('2.30').action(id, LIVE)).status).toBe(202);
    const running = await runningMigration(id);
    const reply = await v('2.22').post(`/v2.1/servers/${id}/migrations/${running.id}/action`, {
      force_complete: null,
    });
    expect(reply.status).toBe(202);
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null && s['OS-EXT-SRV-ATTR:host'] === 'host-b');
    expect((await migrationOf(id)).status).toBe('completed');
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
  });

  it('keeps a paused server paused on its new host', async () => {
    const id = await activeServer('live-paused');
    expect((await api.action(id, { pause: null })).status).toBe(202);
    await api.waitForStatus(id, 'PAUSED');
    expect((await v('2.30').action(id, LIVE)).status).toBe(202);
    const server = await api.waitForServer(
      id,
      (s) => s['OS-EXT-STS:task_state'] === null && s['OS-EXT-SRV-ATTR:host'] === 'host-b',
    );
    expect(server.status).toBe('PAUSED');
    expect((await stack.hypervisor('host-b').getGuest(id))?.powerState).toBe(3);
  });

  it('refuses non-admins, unknown hosts and the current host', async () => {
    const id = await activeServer('live-refused');
    const member = await api.as('alice:proj').action(id, LIVE);
    expect(member.status).toBe(404); // another project's server is not found before policy
    const unknown = await v('2.30').action(id, { 'os-migrateLive': { host: 'nowhere', block_migration: false } });
    expect(unknown.body.badRequest.message).toBe('Compute host nowhere could not be found.');
    const self = await v('2.30').action(id, { 'os-migrateLive': { host: 'host-a', block_migration: false } });
    expect(self.status).toBe(400);
    const mine = await api.as('alice:proj').createServer({ name: 'alice' });
    await api.waitForStatus(mine, 'ACTIVE');
    expect((await api.as('alice:proj').action(mine, LIVE)).status).toBe(403);
  });

  it('leaves the allocation audit clean', async () => {
    await expectAuditClean(api);
  });
});
