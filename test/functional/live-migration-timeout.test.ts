import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// A deployment with Nova's live_migration_completion_timeout (here 1.5 s) and the default timeout action, abort.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [{ name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 }, { name: 'host-b' }],
    settings: { liveMigrationCompletionTimeoutMs: 1500, liveMigrationTimeoutAction: 'abort' },
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

it('aborts a live migration that does not converge within the completion timeout', async () => {
  const id = await api.createServer({ name: 'never-converges' });
  await api.waitForStatus(id, 'ACTIVE');
  await stack.hypervisor('host-a').faults.set(HypervisorStep.LiveMigrate, { mode: 'hang' });
  const reply = await api
    .withHeaders({ 'OpenStack-API-Version': 'compute 2.30' })
    .action(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } });
  expect(reply.status).toBe(202);
  await waitFor('the migration to be cancelled', async () => {
    const [row] = await stack.sql`SELECT status FROM server_migrations WHERE instance_uuid = ${id}`;
    return row?.['status'] === 'cancelled';
  });
  const server = await api.waitForStatus(id, 'ACTIVE');
  expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
  expect((await stack.hypervisor('host-a').getGuest(id))?.powerState).toBe(1);
  const allocations = await stack.sql`SELECT host FROM allocations WHERE host = 'host-b'`;
  expect(allocations).toEqual([]);
});
