import { ApiClient, CIRROS } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// Bad input must get a clear 4xx in Nova's error format: never a 5xx, never a crash.
let stack: TestStack;
let api: ApiClient;
let serverId: string;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  api = new ApiClient(stack.baseUrl);
  serverId = await api.createServer({ name: 'target' });
  await api.waitForStatus(serverId, 'ACTIVE');
});

afterAll(async () => {
  await stack?.stop();
});

function expectNovaError(reply: { status: number; body: any }, status: number, fault: string, message?: string) {
  expect(reply.status).toBe(status);
  expect(Object.keys(reply.body)).toEqual([fault]);
  expect(reply.body[fault].code).toBe(status);
  if (message !== undefined) expect(reply.body[fault].message).toBe(message);
  else expect(reply.body[fault].message).toEqual(expect.any(String));
}

const validServer = { name: 'vm', flavorRef: '1', imageRef: CIRROS, networks: 'none' };

describe('POST /servers with bad input', () => {
  it('rejects malformed JSON with 400 badRequest', async () => {
    const reply = await api.request('POST', '/v2.1/servers', undefined, '{"server": {');
    expectNovaError(reply, 400, 'badRequest', 'Malformed request body');
  });

  it("rejects an unknown field inside server, as Nova's strict schema does", async () => {
    const reply = await api.post('/v2.1/servers', { server: { ...validServer, colour: 'blue' } });
    expectNovaError(reply, 400, 'badRequest');
    expect(reply.body.badRequest.message).toContain("Additional properties are not allowed ('colour' was unexpected)");
  });

  it('rejects a missing name and a name with surrounding spaces', async () => {
    const { name: _name, ...noName } = validServer;
    expectNovaError(await api.post('/v2.1/servers', { server: noName }), 400, 'badRequest');
    const spaced = await api.post('/v2.1/servers', { server: { ...validServer, name: ' vm ' } });
    expectNovaError(spaced, 400, 'badRequest');
    expect(spaced.body.badRequest.message).toMatch(/^Invalid input for field\/attribute name\. Value:  vm \./);
  });

  it('rejects wrong types', async () => {
    expectNovaError(
      await api.post('/v2.1/servers', { server: { ...validServer, flavorRef: true } }),
      400,
      'badRequest',
    );
    expectNovaError(
      await api.post('/v2.1/servers', { server: { ...validServer, metadata: { a: 1 } } }),
      400,
      'badRequest',
    );
    expectNovaError(await api.post('/v2.1/servers', { server: 'vm' }), 400, 'badRequest');
    expectNovaError(await api.post('/v2.1/servers', [1, 2]), 400, 'badRequest');
  });

  it("answers 400 with Nova's messages for an unknown flavor or image", async () => {
    const flavor = await api.post('/v2.1/servers', { server: { ...validServer, flavorRef: '999' } });
    expectNovaError(flavor, 400, 'badRequest', 'Invalid flavorRef provided.');
    const image = await api.post('/v2.1/servers', { server: { ...validServer, imageRef: 'not-a-uuid' } });
    expectNovaError(image, 400, 'badRequest', 'Can not find requested image');
    const missing = await api.post('/v2.1/servers', {
      server: { ...validServer, imageRef: '00000000-0000-4000-8000-000000000000' },
    });
    expectNovaError(missing, 400, 'badRequest', 'Can not find requested image');
  });

  it('requires networks from microversion 2.37', async () => {
    const { networks: _networks, ...noNetworks } = validServer;
    const reply = await api
      .withHeaders({ 'OpenStack-API-Version': 'compute 2.37' })
      .post('/v2.1/servers', { server: noNetworks });
    expectNovaError(reply, 400, 'badRequest');
    const older = await api.post('/v2.1/servers', { server: noNetworks });
    expect(older.status).toBe(202);
  });

  it('accepts a flavor given as a URL', async () => {
    const reply = await api.post('/v2.1/servers', {
      server: { ...validServer, flavorRef: `${stack.baseUrl}/v2.1/flavors/1` },
    });
    expect(reply.status).toBe(202);
  });
});

describe('POST /servers/{id}/action with bad input', () => {
  it('rejects a body with two keys or none as malformed', async () => {
    expectNovaError(
      await api.action(serverId, { 'os-stop': null, 'os-start': null }),
      400,
      'badRequest',
      'Malformed request body',
    );
    expectNovaError(await api.action(serverId, {}), 400, 'badRequest', 'Malformed request body');
  });

  it('names an unknown action', async () => {
    expectNovaError(
      await api.action(serverId, { explode: null }),
      400,
      'badRequest',
      'There is no such action: explode',
    );
  });

  it('validates the action body before looking the server up', async () => {
    const reply = await api.action('00000000-0000-4000-8000-000000000000', { reboot: { type: 'GENTLE' } });
    expectNovaError(reply, 400, 'badRequest');
    expect(reply.body.badRequest.message).toMatch(/^Invalid input for field\/attribute type\. Value: GENTLE\./);
  });

  it('rejects unknown fields in the reboot body', async () => {
    expectNovaError(await api.action(serverId, { reboot: { type: 'SOFT', force: true } }), 400, 'badRequest');
  });

  it('answers 404 itemNotFound for a server that does not exist, uuid or not', async () => {
    const uuid = '00000000-0000-4000-8000-000000000000';
    expectNovaError(
      await api.action(uuid, { 'os-stop': null }),
      404,
      'itemNotFound',
      `Instance ${uuid} could not be found.`,
    );
    expectNovaError(
      await api.action('nope', { 'os-stop': null }),
      404,
      'itemNotFound',
      'Instance nope could not be found.',
    );
    expectNovaError(await api.get('/v2.1/servers/nope'), 404, 'itemNotFound');
    expectNovaError(await api.delete('/v2.1/servers/nope'), 404, 'itemNotFound');
  });

  it("answers 409 for an action the state forbids, with Nova's message", async () => {
    const reply = await api.action(serverId, { 'os-start': null });
    expectNovaError(
      reply,
      409,
      'conflictingRequest',
      `Cannot 'start' instance ${serverId} while it is in vm_state active`,
    );
  });

  it("hides another project's server", async () => {
    const reply = await api.as('alice:project-b').get(`/v2.1/servers/${serverId}`);
    expectNovaError(reply, 404, 'itemNotFound');
    expectNovaError(await api.as('alice:project-b').action(serverId, { 'os-stop': null }), 404, 'itemNotFound');
  });
});

describe('microversions and routing', () => {
  it('answers 406 for a version above the maximum and 400 for a malformed one', async () => {
    const high = await api.withHeaders({ 'OpenStack-API-Version': 'compute 2.999' }).get('/v2.1/servers');
    expectNovaError(
      high,
      406,
      'computeFault',
      'Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.100.',
    );
    const bad = await api.withHeaders({ 'X-OpenStack-Nova-API-Version': 'two' }).get('/v2.1/servers');
    expectNovaError(
      bad,
      400,
      'badRequest',
      'API Version String two is of invalid format. Must be of format MajorNum.MinorNum.',
    );
  });

  it('echoes the negotiated version and a request id on every reply', async () => {
    const reply = await api.withHeaders({ 'OpenStack-API-Version': 'compute latest' }).get('/v2.1/flavors');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('openstack-api-version')).toBe('compute 2.100');
    expect(reply.headers.get('x-openstack-nova-api-version')).toBe('2.100');
    expect(reply.headers.get('x-compute-request-id')).toBe(reply.headers.get('x-openstack-request-id'));
  });

  it('serves the version documents without a token', async () => {
    const root = await api.get('/');
    expect(root.status).toBe(200);
    expect(root.body.versions.map((v: { id: string }) => v.id)).toEqual(['v2.0', 'v2.1']);
    const v21 = await api.get('/v2.1');
    expect(v21.body.version).toMatchObject({ id: 'v2.1', status: 'CURRENT', version: '2.100', min_version: '2.1' });
  });

  it('answers 404 itemNotFound for an unknown path', async () => {
    expectNovaError(await api.get('/v2.1/nothing-here'), 404, 'itemNotFound');
  });

  it('accepts the project id in the path', async () => {
    const reply = await api.get(`/v2.1/admin/servers/${serverId}`);
    expect(reply.status).toBe(200);
    expect(reply.body.server.id).toBe(serverId);
  });
});
