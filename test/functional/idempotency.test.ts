import { ApiClient, CIRROS, expectNovaError, type Reply } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// Idempotency-Key (beyond Nova): a retried POST with the same key and body gets the first answer instead of
// starting a second operation; the same key with another body is a 422; keys are per project and expire.
let stack: TestStack;
let alice: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  alice = new ApiClient(stack.baseUrl).as('alice:project-a');
});

afterAll(async () => {
  await stack?.stop();
});

function keyed(client: ApiClient, key: string): ApiClient {
  return client.withHeaders({ 'Idempotency-Key': key });
}

function createBody(name: string): unknown {
  return { server: { name, flavorRef: '1', imageRef: CIRROS, networks: 'none' } };
}

async function serversNamed(client: ApiClient, name: string): Promise<string[]> {
  const reply = await client.get(`/v2.1/servers?name=^${name}$`);
  return reply.body.servers.map((s: { id: string }) => s.id);
}

async function actionsOf(client: ApiClient, id: string): Promise<string[]> {
  const reply = await client.get(`/v2.1/servers/${id}/os-instance-actions`);
  return reply.body.instanceActions.map((a: { action: string }) => a.action).sort();
}

function requestIdOf(reply: Reply): string | null {
  return reply.headers.get('x-openstack-request-id');
}

describe('creating a server with an Idempotency-Key', () => {
  it('answers a retry with the first 202 (same server, location and request id) and boots one server', async () => {
    const first = await keyed(alice, 'create-1').post('/v2.1/servers', createBody('idem-one'));
    expect(first.status).toBe(202);
    expect(first.body.server.adminPass).toEqual(expect.any(String));
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const retry = await keyed(alice, 'create-1').post('/v2.1/servers', createBody('idem-one'));
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.server.id).toBe(first.body.server.id);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(requestIdOf(retry)).toBe(requestIdOf(first));
    // The admin password is never kept at rest: only the first answer carries it.
    expect(retry.body.server.adminPass).toBeUndefined();
    expect(retry.body.server).toEqual(
      Object.fromEntries(Object.entries(first.body.server).filter(([k]) => k !== 'adminPass')),
    );

    expect(await serversNamed(alice, 'idem-one')).toEqual([first.body.server.id]);
    await alice.waitForStatus(first.body.server.id, 'ACTIVE');
    expect(await actionsOf(alice, first.body.server.id)).toEqual(['create']);
  });

  it('starts exactly one create for parallel retries with the same key', async () => {
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => keyed(alice, 'create-parallel').post('/v2.1/servers', createBody('idem-par'))),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(202));
    const ids = new Set(replies.map((r) => r.body.server.id as string));
    expect(ids.size).toBe(1);
    expect(new Set(replies.map(requestIdOf)).size).toBe(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    expect(await serversNamed(alice, 'idem-par')).toEqual([...ids]);
  });

  it('refuses the same key with a different body: 422 in Nova format, and nothing is created', async () => {
    const first = await keyed(alice, 'create-2').post('/v2.1/servers', createBody('idem-two'));
    expect(first.status).toBe(202);
    const other = await keyed(alice, 'create-2').post('/v2.1/servers', createBody('idem-two-b'));
    expectNovaError(
      other,
      422,
      'computeFault',
      `This Idempotency-Key was already used with a different request (${requestIdOf(first)}).`,
    );
    expect(await serversNamed(alice, 'idem-two-b')).toEqual([]);
  });

  it('keeps keys per project: another project with the same key gets its own server', async () => {
    const bob = new ApiClient(stack.baseUrl).as('bob:project-b');
    const mine = await keyed(alice, 'shared-key').post('/v2.1/servers', createBody('idem-alice'));
    const theirs = await keyed(bob, 'shared-key').post('/v2.1/servers', createBody('idem-alice'));
    expect([mine.status, theirs.status]).toEqual([202, 202]);
    expect(theirs.body.server.id).not.toBe(mine.body.server.id);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });

  it('forgets a key once it expires (24 h): the same request then creates again', async () => {
    const first = await keyed(alice, 'create-expiring').post('/v2.1/servers', createBody('idem-exp'));
    const [row] = await stack.sql`
      SELECT extract(epoch FROM expires_at - created_at)::int AS ttl_s, body::text AS body
      FROM idempotency_keys WHERE key = 'create-expiring'`;
    expect(row?.['ttl_s']).toBe(86_400);
    expect(row?.['body']).not.toContain(first.body.server.adminPass);
    // A day passes.
    await stack.sql`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'create-expiring'`;
    const later = await keyed(alice, 'create-expiring').post('/v2.1/servers', createBody('idem-exp'));
    expect(later.status).toBe(202);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect((await serversNamed(alice, 'idem-exp')).sort()).toEqual([first.body.server.id, later.body.server.id].sort());
  });

  it('rejects a key that is not 1 to 255 printable ASCII characters with 400', async () => {
    const reply = await keyed(alice, 'k'.repeat(256)).post('/v2.1/servers', createBody('idem-bad-key'));
    expectNovaError(
      reply,
      400,
      'badRequest',
      'Invalid Idempotency-Key: it must be 1 to 255 printable ASCII characters.',
    );
    expect(await serversNamed(alice, 'idem-bad-key')).toEqual([]);
  });
});

describe('server actions with an Idempotency-Key', () => {
  let id: string;

  beforeAll(async () => {
    id = await alice.createServer({ name: 'idem-actions' });
    await alice.waitForStatus(id, 'ACTIVE');
  });

  it('answers a retried os-stop with the first 202 where a plain retry would be a 409', async () => {
    const stop = await keyed(alice, 'stop-1').action(id, { 'os-stop': null });
    expect(stop.status).toBe(202);
    const retry = await keyed(alice, 'stop-1').action(id, { 'os-stop': null });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(requestIdOf(retry)).toBe(requestIdOf(stop));
    await alice.waitForStatus(id, 'SHUTOFF');
    const unkeyed = await alice.action(id, { 'os-stop': null });
    expect(unkeyed.status).toBe(409);
    expect(await actionsOf(alice, id)).toEqual(['create', 'stop']);
  });

  it('lets a key go when its request fails: the retry runs once the state allows it', async () => {
    const early = await keyed(alice, 'start-1').action(id, { 'os-stop': null });
    expect(early.status).toBe(409);
    const start = await keyed(alice, 'start-2').action(id, { 'os-start': null });
    expect(start.status).toBe(202);
    await alice.waitForStatus(id, 'ACTIVE');
    const late = await keyed(alice, 'start-1').action(id, { 'os-stop': null });
    expect(late.status).toBe(202);
    expect(late.headers.get('idempotent-replayed')).toBeNull();
    await alice.waitForStatus(id, 'SHUTOFF');
  });

  it('starts exactly one reboot for parallel retries with the same key', async () => {
    await alice.action(id, { 'os-start': null });
    await alice.waitForStatus(id, 'ACTIVE');
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => keyed(alice, 'reboot-1').action(id, { reboot: { type: 'HARD' } })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(5).fill(202));
    expect(new Set(replies.map(requestIdOf)).size).toBe(1);
    await alice.waitForStatus(id, 'ACTIVE');
    expect((await actionsOf(alice, id)).filter((a) => a === 'reboot')).toHaveLength(1);
  });

  it('refuses the same key on another server or with another action (422)', async () => {
    const other = await keyed(alice, 'reboot-1').action(id, { reboot: { type: 'SOFT' } });
    expect(other.status).toBe(422);
    expect(other.body.computeFault.code).toBe(422);
  });
});
