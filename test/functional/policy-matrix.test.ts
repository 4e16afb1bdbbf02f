import type { Router } from 'express';
import { createComputeRouter, type ApiDeps } from '../../api/app';
import { SERVER_ACTIONS } from '../../api/actions';
import { hashPassword } from '../../domain/password';
import { ApiClient, type Reply } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { POLICY_MATRIX, rowName, type Caller, type Fixture, type MatrixRow } from './policy-matrix';

// Every compute route × {admin, member of the owner project, member of another project, no token}: the status
// each gets in keystone mode, from the table in policy-matrix.ts. Policy refusals carry Nova's body, another
// project's server is 404 (never 403), and a route without a row fails the coverage check below.
let stack: TestStack;
let clients: Record<Caller, ApiClient>;
let member: ApiClient;
let fixture: Fixture;

/** `METHOD /path` of every route a router (and the routers it mounts) declares. */
function declaredRoutes(router: Router): string[] {
  const routes: string[] = [];
  for (const layer of router.stack as any[]) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) {
        for (const path of [layer.route.path].flat()) routes.push(`${method.toUpperCase()} ${path}`);
      }
    } else if (layer.handle?.stack) {
      routes.push(...declaredRoutes(layer.handle as Router));
    }
  }
  return routes;
}

async function token(user: string, password: string): Promise<string> {
  const anon = new ApiClient(stack.baseUrl);
  const reply = await anon.post('/identity/v3/auth/tokens', {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
    },
  });
  if (reply.status !== 201) throw new Error(`no token for ${user}: ${reply.status}`);
  return reply.headers.get('x-subject-token')!;
}

/** A user who is a member of a project of its own: the "other project" caller. */
async function addOtherProjectMember(): Promise<void> {
  const hash = await hashPassword('eve-password');
  await stack.sql`INSERT INTO projects (id, name) VALUES ('elsewhereproject0000000000000000', 'elsewhere')`;
  await stack.sql`
    INSERT INTO users (id, name, password_hash, default_project_id)
    VALUES ('eveuser000000000000000000000000000', 'eve', ${hash}, 'elsewhereproject0000000000000000')`;
  await stack.sql`
    INSERT INTO role_assignments (user_id, project_id, role_id)
    SELECT 'eveuser000000000000000000000000000', 'elsewhereproject0000000000000000', id FROM roles
    WHERE name = 'member'`;
}

/** A server of the member's that never launched: no room on the host for m1.xlarge, so ERROR at once. */
async function unlaunchedServer(): Promise<string> {
  const id = await member.createServer({ name: 'matrix', flavorRef: '5', metadata: { k: 'v' } });
  await member.waitForStatus(id, 'ERROR');
  return id;
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a', memoryMb: 8192 }], auth: { strategy: 'keystone' } });
  await addOtherProjectMember();
  const anon = new ApiClient(stack.baseUrl);
  const [adminToken, memberToken, otherToken] = await Promise.all([
    token('admin', 'admin'),
    token('demo', 'demo'),
    token('eve', 'eve-password'),
  ]);
  clients = { admin: anon.as(adminToken), member: anon.as(memberToken), other: anon.as(otherToken), none: anon };
  member = clients.member;
  // Each unlaunched server counts against the member's quota, as in Nova; the matrix makes several.
  const [project] = await stack.sql<{ id: string }[]>`SELECT id FROM projects WHERE name = 'demo'`;
  await stack.sql`
    INSERT INTO quotas (project_id, resource, hard_limit)
    SELECT ${project!.id}, r, -1 FROM unnest(ARRAY['instances', 'cores', 'ram']) AS r`;
  const server = await unlaunchedServer();
  const [action] = await stack.sql<{ request_id: string }[]>`
    SELECT request_id FROM instance_actions WHERE instance_uuid = ${server}`;
  const hypervisors = await clients.admin
    .withHeaders({ 'OpenStack-API-Version': 'compute 2.53' })
    .get('/v2.1/os-hypervisors');
  await clients.admin.post('/v2.1/flavors/1/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'shared' } });
  fixture = {
    server,
    requestId: action!.request_id,
    projectId: project!.id,
    hostId: hypervisors.body.hypervisors[0].id,
  };
});

afterAll(async () => {
  await stack?.stop();
});

async function call(row: MatrixRow, caller: Caller): Promise<Reply> {
  const f = row.freshServer ? { ...fixture, server: await unlaunchedServer() } : fixture;
  const client = row.version
    ? clients[caller].withHeaders({ 'OpenStack-API-Version': `compute ${row.version}` })
    : clients[caller];
  return client.request(row.method, row.url(f), row.body?.(f));
}

describe('policy matrix (keystone)', () => {
  const callers: Caller[] = ['admin', 'member', 'other', 'none'];

  it.each(POLICY_MATRIX.map((row) => [rowName(row), row] as const))('%s', async (_name, row) => {
    const got: Record<string, number> = {};
    for (const caller of callers) {
      const reply = await call(row, caller);
      got[caller] = reply.status;
      if (reply.status === 403) {
        expect(reply.body.forbidden.message).toMatch(/^Policy doesn't allow os_compute_api:[\w:-]+ to be performed\.$/);
      }
      if (reply.status === 401) expect(reply.body.unauthorized.code).toBe(401);
    }
    expect(got).toEqual(row.expect);
  });
});

describe('matrix coverage', () => {
  const compute = createComputeRouter({} as ApiDeps, { strategy: 'keystone', tokenLifetimeMs: 1 });
  const covered = new Set(POLICY_MATRIX.map((row) => `${row.method} ${row.route}`));

  it('has a row for every compute route the API declares', () => {
    const missing = [...new Set(declaredRoutes(compute))].filter((route) => !covered.has(route));
    expect(missing).toEqual([]);
  });

  it('has no row for a route that does not exist', () => {
    const declared = new Set(declaredRoutes(compute));
    expect([...covered].filter((route) => !declared.has(route))).toEqual([]);
  });

  it('has a row for every server action', () => {
    const actions = new Set(POLICY_MATRIX.filter((row) => row.action).map((row) => row.action));
    expect([...SERVER_ACTIONS.keys()].filter((key) => !actions.has(key))).toEqual([]);
  });
});
