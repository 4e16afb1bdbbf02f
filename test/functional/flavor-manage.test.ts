import { parseVersion, type ApiVersion } from '../../api/microversion';
import {
  extraSpecItemSchema,
  extraSpecsSchema,
  flavorAccessListSchema,
  flavorBodySchema,
} from '../../api/views/flavor-schema';
import { ApiClient, expectNovaError } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// Flavors for admins (os-flavor-manage, os-extra_specs, os-flavor-access) as Nova serves them: created, described,
// deleted (servers keep their copy), extra specs written and read, private flavors shared with projects.
let stack: TestStack;
let admin: ApiClient;
let member: ApiClient;

const at = (client: ApiClient, version: string) =>
  client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

const version = (text: string): ApiVersion => parseVersion(text)!;

const flavorBody = (fields: Record<string, unknown> = {}) => ({
  flavor: { name: 'm1.custom', id: 'custom-1', ram: 1024, vcpus: 2, disk: 10, ...fields },
});

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  admin = new ApiClient(stack.baseUrl);
  member = new ApiClient(stack.baseUrl).as('demo:demo');
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /flavors', () => {
  it('creates a flavor (200 as in Nova) that everyone then lists and shows', async () => {
    const created = await admin.post(
      '/v2.1/flavors',
      flavorBody({ 'OS-FLV-EXT-DATA:ephemeral': 1, swap: 512, rxtx_factor: 2 }),
    );
    expect(created.status).toBe(200);
    expect(created.body.flavor).toMatchObject({
      id: 'custom-1',
      name: 'm1.custom',
      ram: 1024,
      vcpus: 2,
      disk: 10,
      swap: 512,
      'OS-FLV-EXT-DATA:ephemeral': 1,
      'os-flavor-access:is_public': true,
      rxtx_factor: 2,
    });
    expect(() => flavorBodySchema(version('2.1')).parse(created.body)).not.toThrow();
    const shown = await member.get('/v2.1/flavors/custom-1');
    expect(shown.status).toBe(200);
    expect(shown.body.flavor.name).toBe('m1.custom');
    const listed = await member.get('/v2.1/flavors');
    expect(listed.body.flavors.map((f: any) => f.id)).toContain('custom-1');
  });

  it('gives a flavor without an id a UUID', async () => {
    const created = await admin.post('/v2.1/flavors', flavorBody({ name: 'no-id', id: undefined }));
    expect(created.status).toBe(200);
    expect(created.body.flavor.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 409 for a name or an id already taken', async () => {
    await admin.post('/v2.1/flavors', flavorBody({ name: 'taken', id: 'taken-1' }));
    expectNovaError(
      await admin.post('/v2.1/flavors', flavorBody({ name: 'taken', id: 'taken-2' })),
      409,
      'conflictingRequest',
      'Flavor with name taken already exists.',
    );
    expectNovaError(
      await admin.post('/v2.1/flavors', flavorBody({ name: 'other-name', id: 'taken-1' })),
      409,
      'conflictingRequest',
      'Flavor with ID taken-1 already exists.',
    );
  });

  it.each([
    ['no RAM', { ram: 0 }, 'ram'],
    ['a negative disk', { disk: -1 }, 'disk'],
    ['vcpus that are not a number', { vcpus: 'two' }, 'vcpus'],
    ['an id with a slash', { id: 'a/b' }, 'id'],
    ['a name with a leading space', { name: ' padded' }, 'name'],
  ])('refuses %s with 400 naming the field', async (_what, fields, field) => {
    const reply = await admin.post('/v2.1/flavors', flavorBody({ id: 'bad', ...fields }));
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toMatch(new RegExp(`^Invalid input for field/attribute ${field}\\.`));
    expect((await admin.get('/v2.1/flavors/bad')).status).toBe(404);
  });

  it('refuses a description before 2.55 and keeps one from 2.55', async () => {
    const early = await admin.post('/v2.1/flavors', flavorBody({ id: 'd1', name: 'd1', description: 'x' }));
    expect(early.status).toBe(400);
    const created = await at(admin, '2.55').post(
      '/v2.1/flavors',
      flavorBody({ id: 'd1', name: 'd1', description: 'for batch jobs' }),
    );
    expect(created.body.flavor.description).toBe('for batch jobs');
    expect(() => flavorBodySchema(version('2.55')).parse(created.body)).not.toThrow();
  });

  it("is an admin's: a member gets Nova's 403 and no flavor", async () => {
    expectNovaError(
      await member.post('/v2.1/flavors', flavorBody({ id: 'sneaky', name: 'sneaky' })),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.",
    );
    expect((await admin.get('/v2.1/flavors/sneaky')).status).toBe(404);
  });
});

describe('PUT /flavors/{id} (2.55)', () => {
  it('changes the description only, and is not there before 2.55', async () => {
    await admin.post('/v2.1/flavors', flavorBody({ id: 'desc', name: 'desc' }));
    const updated = await at(admin, '2.55').put('/v2.1/flavors/desc', { flavor: { description: 'now described' } });
    expect(updated.status).toBe(200);
    expect(updated.body.flavor).toMatchObject({ id: 'desc', ram: 1024, description: 'now described' });
    expect(() => flavorBodySchema(version('2.55')).parse(updated.body)).not.toThrow();
    expect((await at(admin, '2.55').get('/v2.1/flavors/desc')).body.flavor.description).toBe('now described');
    expect((await admin.put('/v2.1/flavors/desc', { flavor: { description: 'x' } })).status).toBe(404);
    expect((await at(admin, '2.55').put('/v2.1/flavors/desc', { flavor: { ram: 1 } })).status).toBe(400);
    expect((await at(member, '2.55').put('/v2.1/flavors/desc', { flavor: { description: 'x' } })).status).toBe(403);
  });
});

describe('DELETE /flavors/{id}', () => {
  it('deletes a flavor in use: the server keeps its copy, new servers cannot use it', async () => {
    await admin.post('/v2.1/flavors', flavorBody({ id: 'doomed', name: 'doomed' }));
    const server = await admin.createServer({ name: 'keeps-flavor', flavorRef: 'doomed' });
    await admin.waitForStatus(server, 'ACTIVE');

    expect((await member.delete('/v2.1/flavors/doomed')).status).toBe(403);
    const deleted = await admin.delete('/v2.1/flavors/doomed');
    expect(deleted.status).toBe(202);
    expectNovaError(await admin.get('/v2.1/flavors/doomed'), 404, 'itemNotFound', 'Flavor doomed could not be found.');
    expectNovaError(
      await admin.delete('/v2.1/flavors/doomed'),
      404,
      'itemNotFound',
      'Flavor doomed could not be found.',
    );

    const shown = await at(admin, '2.47').get(`/v2.1/servers/${server}`);
    expect(shown.body.server.status).toBe('ACTIVE');
    expect(shown.body.server.flavor).toMatchObject({ original_name: 'doomed', ram: 1024, vcpus: 2, disk: 10 });
    const again = await admin.post('/v2.1/servers', {
      server: { name: 'x', flavorRef: 'doomed', imageRef: '70a599e0-31e7-49b7-b260-868f441e862b', networks: 'none' },
    });
    expectNovaError(again, 400, 'badRequest', 'Invalid flavorRef provided.');
    expect((await admin.delete(`/v2.1/servers/${server}`)).status).toBe(204);
    await admin.waitForGone(server);
  });
});

describe('/flavors/{id}/os-extra_specs', () => {
  beforeAll(async () => {
    await admin.post('/v2.1/flavors', flavorBody({ id: 'specs', name: 'specs' }));
  });

  it('adds, reads, replaces and deletes extra specs; the 2.61 flavor shows them', async () => {
    const added = await admin.post('/v2.1/flavors/specs/os-extra_specs', {
      extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:disk_read_bytes_sec': 10240 },
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:disk_read_bytes_sec': '10240' } });
    expect(() => extraSpecsSchema.parse(added.body)).not.toThrow();

    const replaced = await admin.put('/v2.1/flavors/specs/os-extra_specs/hw:cpu_policy', { 'hw:cpu_policy': 'shared' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ 'hw:cpu_policy': 'shared' });
    expect(() => extraSpecItemSchema.parse(replaced.body)).not.toThrow();
    expect((await member.get('/v2.1/flavors/specs/os-extra_specs')).body).toEqual({
      extra_specs: { 'hw:cpu_policy': 'shared', 'quota:disk_read_bytes_sec': '10240' },
    });
    expect((await member.get('/v2.1/flavors/specs/os-extra_specs/hw:cpu_policy')).body).toEqual({
      'hw:cpu_policy': 'shared',
    });

    expect((await admin.delete('/v2.1/flavors/specs/os-extra_specs/quota:disk_read_bytes_sec')).status).toBe(202);
    expectNovaError(
      await admin.get('/v2.1/flavors/specs/os-extra_specs/quota:disk_read_bytes_sec'),
      404,
      'itemNotFound',
      'Flavor specs has no extra specs with key quota:disk_read_bytes_sec.',
    );
    const flavor = await at(member, '2.61').get('/v2.1/flavors/specs');
    expect(flavor.body.flavor.extra_specs).toEqual({ 'hw:cpu_policy': 'shared' });
  });

  it('refuses a body whose key is not the URI key, members writing, and unknown flavors', async () => {
    expectNovaError(
      await admin.put('/v2.1/flavors/specs/os-extra_specs/hw:a', { 'hw:b': '1' }),
      400,
      'badRequest',
      'Request body and URI mismatch',
    );
    expect((await admin.put('/v2.1/flavors/specs/os-extra_specs/hw:a', { 'hw:a': '1', 'hw:b': '2' })).status).toBe(400);
    expectNovaError(
      await member.post('/v2.1/flavors/specs/os-extra_specs', { extra_specs: { a: 'b' } }),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed.",
    );
    expectNovaError(
      await admin.post('/v2.1/flavors/nope/os-extra_specs', { extra_specs: { a: 'b' } }),
      404,
      'itemNotFound',
      'Flavor nope could not be found.',
    );
  });
});

describe('private flavors and os-flavor-access', () => {
  it("hides a private flavor from projects until an admin grants one access, and after it's withdrawn", async () => {
    const created = await admin.post(
      '/v2.1/flavors',
      flavorBody({ id: 'private', name: 'private', 'os-flavor-access:is_public': false }),
    );
    expect(created.body.flavor['os-flavor-access:is_public']).toBe(false);
    expect((await member.get('/v2.1/flavors/private')).status).toBe(404);
    expect((await member.get('/v2.1/flavors')).body.flavors.map((f: any) => f.id)).not.toContain('private');
    expect((await admin.get('/v2.1/flavors/private/os-flavor-access')).body).toEqual({ flavor_access: [] });

    const granted = await admin.post('/v2.1/flavors/private/action', { addTenantAccess: { tenant: 'demo' } });
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({ flavor_access: [{ flavor_id: 'private', tenant_id: 'demo' }] });
    expect(() => flavorAccessListSchema.parse(granted.body)).not.toThrow();
    expect((await member.get('/v2.1/flavors/private')).status).toBe(200);
    expect((await member.get('/v2.1/flavors')).body.flavors.map((f: any) => f.id)).toContain('private');
    expectNovaError(
      await admin.post('/v2.1/flavors/private/action', { addTenantAccess: { tenant: 'demo' } }),
      409,
      'conflictingRequest',
      'Flavor access already exists for flavor private and project demo combination.',
    );

    const withdrawn = await admin.post('/v2.1/flavors/private/action', { removeTenantAccess: { tenant: 'demo' } });
    expect(withdrawn.body).toEqual({ flavor_access: [] });
    expect((await member.get('/v2.1/flavors/private')).status).toBe(404);
    expectNovaError(
      await admin.post('/v2.1/flavors/private/action', { removeTenantAccess: { tenant: 'demo' } }),
      404,
      'itemNotFound',
      'Flavor access not found for private / demo combination.',
    );
  });

  it('has no access list for public flavors and refuses members', async () => {
    expectNovaError(
      await admin.get('/v2.1/flavors/1/os-flavor-access'),
      404,
      'itemNotFound',
      'Access list not available for public flavors.',
    );
    expectNovaError(
      await admin.post('/v2.1/flavors/1/action', { addTenantAccess: { tenant: 'demo' } }),
      409,
      'conflictingRequest',
      'Can not add access to a public flavor.',
    );
    expect((await member.get('/v2.1/flavors/1/os-flavor-access')).status).toBe(403);
  });
});
