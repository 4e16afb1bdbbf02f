import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { createApiApp } from '../../api/app';
import { Operations } from '../../api/operations';
import { parseVersion } from '../../api/microversion';
import { updateBodySchema } from '../../api/views/server';
import { serverTaskWorkflowId } from '../../domain/naming';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, CIRROS, expectNovaError, type Reply } from '../support/http';
import { serverTaskRun } from '../support/server-task-run';
import { startTestStack, type TestStack } from '../support/test-stack';

// PUT /servers/{id} as Nova serves it (`openstack server set --name/--description`): the conductor writes the
// change in a short workflow of its own, in any state, even while another operation holds the server.
let stack: TestStack;
let member: ApiClient;
let other: ApiClient;
let server: string;

const at = (version: string) => member.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
const update = (id: string, fields: unknown, version = '2.1'): Promise<Reply> =>
  at(version).put(`/v2.1/servers/${id}`, { server: fields });

async function record(id: string) {
  const [row] = await stack.sql<
    { name: string; description: string | null; access_ipv4: string | null; updated_at: Date | null }[]
  >`SELECT name, description, access_ipv4, updated_at FROM instances WHERE uuid = ${id}`;
  return row!;
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a', memoryMb: 8192 }] });
  member = new ApiClient(stack.baseUrl).as('demo:demo');
  other = new ApiClient(stack.baseUrl).as('eve:elsewhere');
  server = await member.createServer({ name: 'before' });
  await member.waitForStatus(server, 'ACTIVE');
});

afterAll(async () => {
  await stack?.stop();
});

describe('PUT /servers/{id}', () => {
  it('renames the server and sets its description; GET and the list show them at once', async () => {
    const before = await record(server);
    const reply = await update(server, { name: 'after', description: 'the web tier' }, '2.19');
    expect(reply.status).toBe(200);
    expect(reply.body.server).toMatchObject({ id: server, name: 'after', description: 'the web tier' });
    expect(() => updateBodySchema(parseVersion('2.19')!).parse(reply.body.server)).not.toThrow();
    expect((await member.get(`/v2.1/servers/${server}`)).body.server.name).toBe('after');
    const listed = (await member.get('/v2.1/servers')).body.servers as { id: string; name: string }[];
    expect(listed.find((s) => s.id === server)?.name).toBe('after');
    expect((await record(server)).updated_at!.getTime()).toBeGreaterThan(before.updated_at!.getTime());
  });

  it('runs as its own workflow, found by the instance and the operation update, with no instance action', async () => {
    const reply = await update(server, { name: 'traced' });
    expect(reply.status).toBe(200);
    expect(await serverTaskRun(stack, server, 'update', reply)).toEqual({
      type: 'updateServerWorkflow',
      status: 'COMPLETED',
      instanceId: server,
      operation: 'update',
      summary: 'update server after to name traced, requested by demo',
    });
    const actions = (await member.get(`/v2.1/servers/${server}/os-instance-actions`)).body.instanceActions;
    expect((actions as { action: string }[]).map((a) => a.action)).toEqual(['create']);
  });

  it('clears the description with null, sets access IPs and disk config, and leaves what the body omits', async () => {
    await update(server, { description: 'kept until cleared' }, '2.19');
    const reply = await update(
      server,
      { description: null, accessIPv4: '192.0.2.7', accessIPv6: '2001:db8::7', 'OS-DCF:diskConfig': 'AUTO' },
      '2.19',
    );
    expect(reply.status).toBe(200);
    expect(reply.body.server).toMatchObject({
      name: 'traced',
      description: null,
      accessIPv4: '192.0.2.7',
      accessIPv6: '2001:db8::7',
      'OS-DCF:diskConfig': 'AUTO',
    });
  });

  it('changes nothing, not even updated_at, for an empty server object', async () => {
    const before = await record(server);
    const reply = await update(server, {});
    expect(reply.status).toBe(200);
    expect(reply.body.server.name).toBe(before.name);
    expect(await record(server)).toEqual(before);
  });

  it.each(['2.75', '2.90', '2.100'])("answers GET /servers/{id}'s body from %s", async (version) => {
    const reply = await update(server, { name: `at-${version}` }, version);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual((await at(version).get(`/v2.1/servers/${server}`)).body);
    expect(() => updateBodySchema(parseVersion(version)!).parse(reply.body.server)).not.toThrow();
  });

  it.each([
    ['an unknown field', { name: 'x', flavorRef: '1' }, '2.1', /\('flavorRef' was unexpected\)/],
    ['a description before 2.19', { description: 'd' }, '2.18', /\('description' was unexpected\)/],
    ['a hostname before 2.90', { hostname: 'h' }, '2.89', /\('hostname' was unexpected\)/],
    ['a hostname longer than 63 before 2.94', { hostname: 'h'.repeat(64) }, '2.93', /attribute hostname/],
    ['an empty name', { name: '' }, '2.1', /attribute name/],
    ['a name with leading spaces', { name: '  padded' }, '2.1', /attribute name/],
    ['a name of 256 characters', { name: 'n'.repeat(256) }, '2.1', /attribute name/],
    ['a name with a newline', { name: 'web\nprod' }, '2.1', /attribute name.*printable/s],
    ['a description with a control character', { description: 'bell\u0007' }, '2.19', /attribute description/],
    ['an access IPv4 that is not one', { accessIPv4: '300.1.1.1' }, '2.1', /attribute accessIPv4/],
    ['a disk config Nova does not know', { 'OS-DCF:diskConfig': 'FAST' }, '2.1', /attribute OS-DCF:diskConfig/],
  ])('answers 400 for %s and changes nothing', async (_what, fields, version, message) => {
    const before = await record(server);
    const reply = await update(server, fields, version);
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toMatch(message);
    expect(await record(server)).toEqual(before);
  });

  it('answers 400 for a body without a server object', async () => {
    expect((await member.put(`/v2.1/servers/${server}`, { name: 'x' })).status).toBe(400);
    expect((await member.put(`/v2.1/servers/${server}`, { server: 'x' })).status).toBe(400);
  });

  it("answers 404 for an unknown server and for another project's", async () => {
    const missing = randomUUID();
    expectNovaError(
      await update(missing, { name: 'x' }),
      404,
      'itemNotFound',
      `Instance ${missing} could not be found.`,
    );
    expectNovaError(
      await other.put(`/v2.1/servers/${server}`, { server: { name: 'stolen' } }),
      404,
      'itemNotFound',
      `Instance ${server} could not be found.`,
    );
    expect((await record(server)).name).not.toBe('stolen');
  });
});

describe('the hostname', () => {
  const hostnameOf = async (id: string) =>
    (await at('2.90').get(`/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:hostname'] as string;
  const guestHostname = async (id: string) => {
    const reply = await stack.metadataProxy('host-a').get(id, '/openstack/latest/meta_data.json');
    return JSON.parse(reply.text()).hostname as string;
  };

  it('is the sanitized name at create and stays through a rename, as in Nova', async () => {
    const id = await member.createServer({ name: 'Web Server' });
    await member.waitForStatus(id, 'ACTIVE');
    expect(await hostnameOf(id)).toBe('web-server');
    expect((await update(id, { name: 'Renamed' })).status).toBe(200);
    expect(await hostnameOf(id)).toBe('web-server');
    expect(await guestHostname(id)).toMatch(/^web-server(\.|$)/);
    const listed = (await at('2.90').get('/v2.1/servers/detail')).body.servers as Record<string, unknown>[];
    expect(listed.find((s) => s['id'] === id)?.['OS-EXT-SRV-ATTR:hostname']).toBe('web-server');
  });

  it('stays through a rename for a server stored before hostnames were (migrations/00023)', async () => {
    const id = await member.createServer({ name: 'Old Timer' });
    await member.waitForStatus(id, 'ACTIVE');
    await stack.sql`UPDATE instances SET hostname = NULL WHERE uuid = ${id}`;
    expect(await hostnameOf(id)).toBe('old-timer');
    expect((await update(id, { name: 'New Timer' })).status).toBe(200);
    expect(await hostnameOf(id)).toBe('old-timer');
    expect((await stack.sql`SELECT hostname FROM instances WHERE uuid = ${id}`)[0]).toEqual({ hostname: 'old-timer' });
  });

  it('is set by an update from 2.90 (a short name), an FQDN from 2.94, and the guest sees it', async () => {
    const id = await member.createServer({ name: 'set-me' });
    await member.waitForStatus(id, 'ACTIVE');
    expect(await guestHostname(id)).toMatch(/^set-me(\.|$)/);
    expect((await update(id, { hostname: 'db-1' }, '2.90')).status).toBe(200);
    expect(await hostnameOf(id)).toBe('db-1');
    expect(await guestHostname(id)).toMatch(/^db-1(\.|$)/);
    expect((await update(id, { hostname: 'db-1.example.org' }, '2.93')).status).toBe(400);
    expect((await update(id, { hostname: '-db' }, '2.90')).status).toBe(400);
    const fqdn = `${'h'.repeat(64)}.example.org`;
    expect((await update(id, { hostname: fqdn }, '2.94')).status).toBe(200);
    expect(await hostnameOf(id)).toBe(fqdn);
  });

  it('is the requested one at create from 2.90; a bad one, or one before 2.90, is a 400 before anything starts', async () => {
    const create = (version: string, hostname: string) =>
      at(version).post('/v2.1/servers', {
        server: { name: 'named', flavorRef: '1', imageRef: CIRROS, networks: 'none', hostname },
      });
    const created = await create('2.90', 'app-7');
    expect(created.status).toBe(202);
    await member.waitForStatus(created.body.server.id, 'ACTIVE');
    expect(await hostnameOf(created.body.server.id)).toBe('app-7');
    const [before] = await stack.sql`SELECT count(*)::int AS n FROM instances`;
    const refused = await create('2.90', 'app_7.example.org');
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toMatch(/attribute hostname/);
    const early = await create('2.89', 'app-8');
    expect(early.status).toBe(400);
    expect(early.body.badRequest.message).toMatch(/\('hostname' was unexpected\)/);
    expect((await stack.sql`SELECT count(*)::int AS n FROM instances`)[0]).toEqual(before);
  });
});

describe('beside other operations', () => {
  it('renames a server while a pause holds it, and the pause still ends PAUSED with the new name', async () => {
    const id = await member.createServer({ name: 'pausing' });
    await member.waitForStatus(id, 'ACTIVE');
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Pause, { mode: 'slow', delayMs: 3000, times: 1 });
    expect((await member.action(id, { pause: null })).status).toBe(202);
    const reply = await update(id, { name: 'renamed-while-pausing' }, '2.75');
    expect(reply.status).toBe(200);
    expect(reply.body.server['OS-EXT-STS:task_state']).toBe('pausing');
    const paused = await member.waitForStatus(id, 'PAUSED');
    expect(paused.name).toBe('renamed-while-pausing');
    expect(paused['OS-EXT-STS:task_state']).toBeNull();
  });

  it('renames a server that never launched (ERROR), as Nova does', async () => {
    const huge = await member.createServer({ name: 'no-room', flavorRef: '5' });
    await member.waitForStatus(huge, 'ERROR');
    const reply = await update(huge, { name: 'still-no-room' });
    expect(reply.status).toBe(200);
    expect(reply.body.server).toMatchObject({ name: 'still-no-room', status: 'ERROR' });
  });

  it('answers 404 once the server is deleted', async () => {
    const id = await member.createServer({ name: 'doomed' });
    await member.waitForStatus(id, 'ACTIVE');
    expect((await member.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await member.waitForGone(id);
    expect((await update(id, { name: 'too-late' })).status).toBe(404);
  });
});

describe('without a conductor', () => {
  it('answers 503 when the change is not written in time, and the change never lands later', async () => {
    const app = createApiApp({
      sql: stack.sql,
      operations: new Operations(stack.client, stack.settings, 2_000),
      log: pino({ level: 'silent' }),
      maxLimit: 1000,
      images: stack.images,
    });
    const api: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const client = new ApiClient(`http://127.0.0.1:${(api.address() as AddressInfo).port}`).as('demo:demo');
      const name = (await record(server)).name;
      await stack.stopConductor();
      const reply = await client.put(`/v2.1/servers/${server}`, { server: { name: 'abandoned' } });
      expect(reply.status).toBe(503);
      expect(reply.body.serviceUnavailable.code).toBe(503);
      const run = stack.client.workflow.getHandle(
        serverTaskWorkflowId(stack.prefix, server, 'update', reply.headers.get('x-openstack-request-id')!),
      );
      await waitFor('the run to time out', async () => (await run.describe()).status.name === 'TIMED_OUT');
      await stack.startConductor();
      expect((await update(server, { description: 'after the outage' }, '2.19')).status).toBe(200);
      expect((await record(server)).name).toBe(name);
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });
});
