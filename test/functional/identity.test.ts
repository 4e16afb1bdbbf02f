import { randomBytes } from 'node:crypto';
import { tokenHash } from '../../api/identity/token-value';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// The built-in Keystone v3 and the compute API in keystone mode: discovery, password tokens with a catalog,
// validation, revocation and expiry, and project isolation driven by the token's project and roles.
let stack: TestStack;
let anon: ApiClient;

const KEYSTONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UNAUTHORIZED_KEYSTONE = {
  error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
};
const UNAUTHORIZED_NOVA = {
  unauthorized: { code: 401, message: 'The request you have made requires authentication.' },
};

function passwordAuth(user: string, password: string, project?: Record<string, unknown>) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
      ...(project ? { scope: { project } } : {}),
    },
  };
}

async function issue(user: string, password: string, project?: Record<string, unknown>) {
  const reply = await anon.post('/identity/v3/auth/tokens', passwordAuth(user, password, project));
  expect(reply.status).toBe(201);
  return { token: reply.headers.get('x-subject-token')!, body: reply.body };
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }], auth: { strategy: 'keystone' } });
  anon = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

describe('GET /identity/v3', () => {
  it('describes Keystone v3.14 with a self link at the address the client used', async () => {
    const reply = await anon.get('/identity/v3');
    expect(reply.status).toBe(200);
    expect(reply.body.version).toMatchObject({
      id: 'v3.14',
      status: 'stable',
      links: [{ rel: 'self', href: `${stack.baseUrl}/identity/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    });
  });
});

describe('POST /identity/v3/auth/tokens', () => {
  it('issues an admin token scoped by project name with roles and a catalog of compute, identity and image', async () => {
    const { token, body } = await issue('admin', 'admin', { name: 'admin', domain: { name: 'Default' } });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [stored] = await stack.sql`SELECT token_hash FROM tokens WHERE token_hash = ${tokenHash(token)}`;
    expect(stored).toBeDefined();
    expect((await stack.sql`SELECT 1 FROM tokens WHERE token_hash = ${token}`).length).toBe(0);

    const t = body.token;
    expect(t.methods).toEqual(['password']);
    expect(t.user).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(t.user.id).toMatch(/^[0-9a-f]{32}$/);
    expect(t.project).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(t.roles).toEqual([{ id: expect.any(String), name: 'admin' }]);
    expect(t.issued_at).toMatch(KEYSTONE_TIME);
    expect(t.expires_at).toMatch(KEYSTONE_TIME);
    const lifetimeMs = Date.parse(t.expires_at) - Date.parse(t.issued_at);
    expect(lifetimeMs).toBe(3_600_000);
    expect(t.audit_ids).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);

    const byType = Object.fromEntries(t.catalog.map((s: any) => [s.type, s]));
    expect(Object.keys(byType).sort()).toEqual(['compute', 'identity', 'image']);
    const urls = { compute: '/v2.1', identity: '/identity/v3', image: '/image' } as const;
    for (const [type, path] of Object.entries(urls)) {
      const endpoints = byType[type].endpoints;
      expect(endpoints.map((e: any) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
      for (const e of endpoints) expect(e).toMatchObject({ region_id: 'RegionOne', url: `${stack.baseUrl}${path}` });
    }
    expect(byType.compute.name).toBe('nova');
  });

  it('scopes a token without a scope to the user default project, with role member for demo', async () => {
    const { body } = await issue('demo', 'demo');
    expect(body.token.user.name).toBe('demo');
    expect(body.token.project.name).toBe('demo');
    expect(body.token.roles.map((r: any) => r.name)).toEqual(['member']);
  });

  it('scopes by project id', async () => {
    const [project] = await stack.sql`SELECT id FROM projects WHERE name = 'demo'`;
    const { body } = await issue('demo', 'demo', { id: project!['id'] });
    expect(body.token.project.id).toBe(project!['id']);
  });

  it('answers 401 with Keystone error body for a wrong password, an unknown user or a project without a role', async () => {
    const attempts = [
      passwordAuth('admin', 'wrong'),
      passwordAuth('nobody', 'admin'),
      passwordAuth('demo', 'demo', { name: 'admin', domain: { id: 'default' } }),
    ];
    for (const body of attempts) {
      const reply = await anon.post('/identity/v3/auth/tokens', body);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(UNAUTHORIZED_KEYSTONE);
      expect(reply.headers.get('x-subject-token')).toBeNull();
    }
  });

  it('answers 400 in Keystone shape for a body that is not an auth request', async () => {
    const reply = await anon.post('/identity/v3/auth/tokens', { auth: {} });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 400, title: 'Bad Request' });
  });
});

describe('GET and DELETE /identity/v3/auth/tokens', () => {
  it('validates a token, then revokes it: the compute API then refuses it with 401', async () => {
    const { token: adminToken } = await issue('admin', 'admin', { name: 'admin', domain: { id: 'default' } });
    const { token: demoToken } = await issue('demo', 'demo');
    const admin = anon.as(adminToken);

    const valid = await admin.withHeaders({ 'X-Subject-Token': demoToken }).get('/identity/v3/auth/tokens');
    expect(valid.status).toBe(200);
    expect(valid.headers.get('x-subject-token')).toBe(demoToken);
    expect(valid.body.token.user.name).toBe('demo');
    expect(valid.body.token.catalog).toHaveLength(3);

    expect((await anon.as(demoToken).get('/v2.1/servers')).status).toBe(200);
    const revoked = await admin.withHeaders({ 'X-Subject-Token': demoToken }).delete('/identity/v3/auth/tokens');
    expect(revoked.status).toBe(204);

    const after = await anon.as(demoToken).get('/v2.1/servers');
    expect(after.status).toBe(401);
    expect(after.body).toEqual(UNAUTHORIZED_NOVA);
    const gone = await admin.withHeaders({ 'X-Subject-Token': demoToken }).get('/identity/v3/auth/tokens');
    expect(gone.status).toBe(404);
  });

  it("forbids a member from validating another user's token and needs a valid caller token", async () => {
    const { token: adminToken } = await issue('admin', 'admin');
    const { token: demoToken } = await issue('demo', 'demo');
    const peek = await anon
      .as(demoToken)
      .withHeaders({ 'X-Subject-Token': adminToken })
      .get('/identity/v3/auth/tokens');
    expect(peek.status).toBe(403);
    const noCaller = await anon.withHeaders({ 'X-Subject-Token': adminToken }).get('/identity/v3/auth/tokens');
    expect(noCaller.status).toBe(401);
    expect(noCaller.body).toEqual(UNAUTHORIZED_KEYSTONE);
  });
});

describe('compute API in keystone mode', () => {
  it('refuses an expired token with 401', async () => {
    const value = randomBytes(32).toString('base64url');
    await stack.sql`
      INSERT INTO tokens (token_hash, user_id, project_id, roles, methods, audit_id, issued_at, expires_at)
      SELECT ${tokenHash(value)}, u.id, u.default_project_id, '[{"id": "x", "name": "admin"}]', '{password}', 'a',
        now() - interval '2 hours', now() - interval '1 hour'
      FROM users u WHERE u.name = 'admin'`;
    const reply = await anon.as(value).get('/v2.1/servers');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(UNAUTHORIZED_NOVA);
  });

  it('answers 401 without a token or with a noauth2-style token, but serves the version documents', async () => {
    for (const client of [anon, anon.as('admin:admin')]) {
      const reply = await client.get('/v2.1/servers');
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(UNAUTHORIZED_NOVA);
      expect(reply.headers.get('www-authenticate')).toBe(`Keystone uri="${stack.baseUrl}/identity/v3"`);
    }
    expect((await anon.get('/v2.1')).status).toBe(200);
    expect((await anon.get('/')).status).toBe(200);
  });

  it("shows a member only its project's servers and 404 for another project's; admin sees both with all_tenants", async () => {
    const { token: adminToken, body: adminBody } = await issue('admin', 'admin');
    const { token: demoToken, body: demoBody } = await issue('demo', 'demo');
    const admin = anon.as(adminToken);
    const demo = anon.as(demoToken);
    const adminServer = await admin.createServer({ name: 'admin-vm' });
    const demoServer = await demo.createServer({ name: 'demo-vm' });
    await admin.waitForStatus(adminServer, 'ACTIVE');
    await demo.waitForStatus(demoServer, 'ACTIVE');

    const demoShow = await demo.get(`/v2.1/servers/${demoServer}`);
    expect(demoShow.body.server).toMatchObject({
      tenant_id: demoBody.token.project.id,
      user_id: demoBody.token.user.id,
    });
    const demoList = await demo.get('/v2.1/servers');
    expect(demoList.body.servers.map((s: any) => s.id)).toEqual([demoServer]);
    const hidden = await demo.get(`/v2.1/servers/${adminServer}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.itemNotFound).toBeDefined();
    expect((await demo.get('/v2.1/servers?all_tenants=1')).status).toBe(403);

    const own = await admin.get('/v2.1/servers');
    expect(own.body.servers.map((s: any) => s.id)).toEqual([adminServer]);
    const all = await admin.get('/v2.1/servers/detail?all_tenants=1');
    expect(all.body.servers.map((s: any) => s.id).sort()).toEqual([adminServer, demoServer].sort());
    expect(all.body.servers.find((s: any) => s.id === adminServer).tenant_id).toBe(adminBody.token.project.id);
  });
});

describe('GET /identity/v3/projects', () => {
  it('finds a project by name for an admin, as clients do to turn a name into an id', async () => {
    const { token } = await issue('admin', 'admin', { name: 'admin', domain: { id: 'default' } });
    const reply = await anon.as(token).get('/identity/v3/projects?name=demo');
    expect(reply.status).toBe(200);
    expect(reply.body.projects).toEqual([
      expect.objectContaining({ name: 'demo', domain_id: 'default', enabled: true, id: expect.any(String) }),
    ]);
    const byId = await anon.as(token).get(`/identity/v3/projects/${reply.body.projects[0].id}`);
    expect(byId.body.project).toMatchObject({ name: 'demo' });
    const missing = await anon.as(token).get('/identity/v3/projects/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 404, title: 'Not Found' });
  });

  it('shows a member only their own project and refuses the list', async () => {
    const { token, body } = await issue('demo', 'demo', { name: 'demo', domain: { id: 'default' } });
    const own = await anon.as(token).get(`/identity/v3/projects/${body.token.project.id}`);
    expect(own.body.project).toMatchObject({ id: body.token.project.id, name: 'demo' });
    expect((await anon.as(token).get('/identity/v3/projects')).status).toBe(403);
    const admins = await anon.as(token).get('/identity/v3/projects?name=admin');
    expect(admins.body.error).toMatchObject({ code: 403, title: 'Forbidden' });
    expect((await anon.get('/identity/v3/projects')).status).toBe(401);
  });
});
