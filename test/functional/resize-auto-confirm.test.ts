import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// A deployment with Nova's resize_confirm_window set: here 2 s, a durable timer inside the resize workflow.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [{ name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 }, { name: 'host-b' }],
    settings: { resizeConfirmWindowMs: 2000 },
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

describe('auto-confirm window', () => {
  it('confirms a resize nobody decided on once the window runs out', async () => {
    const id = await api.createServer({ name: 'patient' });
    await api.waitForStatus(id, 'ACTIVE');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    await api.waitForStatus(id, 'VERIFY_RESIZE');
    const verifiedAt = Date.now();

    const server = await api.waitForStatus(id, 'ACTIVE', 15_000);
    expect(Date.now() - verifiedAt).toBeGreaterThanOrEqual(1000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-b');
    const [migration] = await stack.sql`SELECT uuid, status FROM server_migrations WHERE instance_uuid = ${id}`;
    expect(migration!['status']).toBe('confirmed');
    const allocations = await stack.sql`
      SELECT consumer_uuid, host FROM allocations WHERE consumer_uuid IN (${id}, ${migration!['uuid']})`;
    expect(allocations).toEqual([{ consumer_uuid: id, host: 'host-b' }]);
    expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    const actions = await stack.sql`SELECT action FROM instance_actions WHERE instance_uuid = ${id} ORDER BY id`;
    expect(actions.map((a) => a['action'])).toEqual(['create', 'migrate', 'confirmResize']);
  });
});
