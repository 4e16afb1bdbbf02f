import { ApiClient, CIRROS, expectNovaError } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// /os-quota-sets as Nova serves it, and quotas enforced where instances are admitted: the conductor counts
// and inserts under the project's lock, so concurrent creates never pass a limit together.
let stack: TestStack;
let admin: ApiClient;

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB q@host';

function at(client: ApiClient, version: string): ApiClient {
  return client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
}

function member(project: string): ApiClient {
  return new ApiClient(stack.baseUrl).as(`user-${project}:${project}`);
}

function createBody(name: string) {
  return { server: { name, flavorRef: '1', imageRef: CIRROS, networks: 'none' } };
}

async function setQuota(project: string, quotaSet: Record<string, unknown>) {
  const reply = await admin.request('PUT', `/v2.1/os-quota-sets/${project}`, { quota_set: quotaSet });
  expect(reply.status).toBe(200);
  return reply.body.quota_set;
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }, { name: 'host-b' }] });
  admin = at(new ApiClient(stack.baseUrl).as('admin:admin'), '2.57');
});

afterAll(async () => {
  await stack?.stop();
});

describe('reading quota sets', () => {
  it("shows a project's quotas to its members with Nova's defaults, and refuses other projects", async () => {
    const own = await at(member('p-read'), '2.57').get('/v2.1/os-quota-sets/p-read');
    expect(own.status).toBe(200);
    expect(own.body.quota_set).toEqual({
      id: 'p-read',
      cores: 20,
      instances: 10,
      key_pairs: 100,
      metadata_items: 128,
      ram: 51200,
      server_groups: 10,
      server_group_members: 10,
    });
    expectNovaError(
      await member('p-read').get('/v2.1/os-quota-sets/p-other'),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.",
    );
  });

  it('shows the network and injected-file resources before the microversions that dropped them', async () => {
    const old = await at(member('p-read'), '2.1').get('/v2.1/os-quota-sets/p-read');
    expect(old.body.quota_set).toMatchObject({ floating_ips: -1, security_groups: -1, injected_files: 5 });
    const v236 = await at(member('p-read'), '2.36').get('/v2.1/os-quota-sets/p-read');
    expect(v236.body.quota_set).not.toHaveProperty('floating_ips');
    expect(v236.body.quota_set).toHaveProperty('injected_files', 5);
  });
});

describe('updating quota sets', () => {
  it('lets an admin set and revert limits, and refuses members', async () => {
    expect(await setQuota('p-upd', { cores: 4, instances: '3' })).toMatchObject({ cores: 4, instances: 3 });
    expect((await member('p-upd').get('/v2.1/os-quota-sets/p-upd')).body.quota_set).toMatchObject({ cores: 4 });
    const limits = await member('p-upd').get('/v2.1/limits');
    expect(limits.body.limits.absolute).toMatchObject({ maxTotalCores: 4, maxTotalInstances: 3 });
    expectNovaError(
      await member('p-upd').request('PUT', '/v2.1/os-quota-sets/p-upd', { quota_set: { cores: 100 } }),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
    );
    expect((await admin.delete('/v2.1/os-quota-sets/p-upd')).status).toBe(202);
    expect((await member('p-upd').get('/v2.1/os-quota-sets/p-upd')).body.quota_set).toMatchObject({ cores: 20 });
  });

  it('refuses unknown resources, values below -1 and resources the microversion dropped', async () => {
    for (const quotaSet of [{ gpus: 1 }, { cores: -2 }, { cores: 'many' }, { floating_ips: 1 }]) {
      const reply = await admin.request('PUT', '/v2.1/os-quota-sets/p-bad', { quota_set: quotaSet });
      expect(reply.status).toBe(400);
      expect(reply.body.badRequest.message).toMatch(/Invalid input|Additional properties/);
    }
  });

  it('refuses a limit below what the project uses unless forced', async () => {
    const user = member('p-force');
    const id = await user.createServer({ name: 'in-use' });
    await user.waitForStatus(id, 'ACTIVE');
    expectNovaError(
      await admin.request('PUT', '/v2.1/os-quota-sets/p-force', { quota_set: { instances: 0 } }),
      400,
      'badRequest',
      'Quota limit 0 for instances must be greater than or equal to already used and reserved 1.',
    );
    expect(await setQuota('p-force', { instances: 0, force: true })).toMatchObject({ instances: 0 });
    const detail = await at(user, '2.57').get('/v2.1/os-quota-sets/p-force/detail');
    expect(detail.body.quota_set.instances).toEqual({ in_use: 1, limit: 0, reserved: 0 });
    expect(detail.body.quota_set.cores).toEqual({ in_use: 1, limit: 20, reserved: 0 });
  });
});

describe('enforcement', () => {
  it('refuses the create that would pass the instances quota with 403 and creates nothing', async () => {
    await setQuota('p-full', { instances: 1 });
    const user = member('p-full');
    const first = await user.createServer({ name: 'first' });
    await user.waitForStatus(first, 'ACTIVE');
    expectNovaError(
      await user.post('/v2.1/servers', createBody('second')),
      403,
      'forbidden',
      'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances',
    );
    const [row] = await stack.sql`SELECT count(*)::int AS n FROM instances WHERE project_id = 'p-full'`;
    expect(row!['n']).toBe(1);
  });

  it('counts cores and RAM of the flavor asked for', async () => {
    await setQuota('p-cores', { cores: 1 });
    const reply = await member('p-cores').post('/v2.1/servers', {
      server: { name: 'big', flavorRef: '3', imageRef: CIRROS, networks: 'none' },
    });
    expectNovaError(reply, 403, 'forbidden', 'Quota exceeded for cores: Requested 2, but already used 0 of 1 cores');
  });

  it('admits exactly the quota out of 20 concurrent creates', async () => {
    await setQuota('p-race', { instances: 5 });
    const user = member('p-race');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => user.post('/v2.1/servers', createBody(`r${i}`))),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 403)).toHaveLength(15);
    const [row] = await stack.sql`SELECT count(*)::int AS n FROM instances WHERE project_id = 'p-race'`;
    expect(row!['n']).toBe(5);
    const ids = replies.filter((r) => r.status === 202).map((r) => r.body.server.id as string);
    for (const id of ids) await user.waitForStatus(id, 'ACTIVE');
  });

  it("limits a user's key pairs to the project's key_pairs quota", async () => {
    await setQuota('p-keys', { key_pairs: 1 });
    const user = member('p-keys');
    expect((await user.post('/v2.1/os-keypairs', { keypair: { name: 'one', public_key: ED25519 } })).status).toBe(200);
    expectNovaError(
      await user.post('/v2.1/os-keypairs', { keypair: { name: 'two', public_key: ED25519 } }),
      403,
      'forbidden',
      'Quota exceeded, too many key pairs.',
    );
  });
});
