import { HypervisorStep } from '../../activities/compute/fault-switches';
import { hashPassword } from '../../domain/password';
import { instanceWorkflowId } from '../../domain/naming';
import { createLogger } from '../../worker/logger';
import { ApiClient, CIRROS } from '../support/http';
import { captureLogs, type LogLine } from '../support/log-capture';
import { startTestStack, waitForHostsScheduled, type TestStack } from '../support/test-stack';

// What the API and the workers log while servers are created, rescued and rebuilt with chosen admin passwords
// under Keystone auth: every line about a request or an operation carries its ids, and no secret ever appears.
const ADMIN_PASSWORD = 'Keystone-pw-7f3a9c1e';
const CREATE_PASS = 'Create-pass-51b2d8e0';
const RESCUE_PASS = 'Rescue-pass-0c94e7a3';
const REBUILD_PASS = 'Rebuild-pass-e28f6b14';

const capture = captureLogs();
const lines = capture.lines;

let stack: TestStack;
let anon: ApiClient;
let api: ApiClient;
let token: string;

beforeAll(async () => {
  // Trace level: whatever the code logs at any level is in the capture.
  const log = createLogger('test-stack', { destination: capture.stream, level: 'trace' });
  stack = await startTestStack({ hosts: [{ name: 'host-logs' }], auth: { strategy: 'keystone' }, log });
  await stack.sql`UPDATE users SET password_hash = ${await hashPassword(ADMIN_PASSWORD)} WHERE name = 'admin'`;
  anon = new ApiClient(stack.baseUrl);
  const reply = await anon.post('/identity/v3/auth/tokens', {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } },
      },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
  expect(reply.status).toBe(201);
  token = reply.headers.get('x-subject-token')!;
  api = anon.as(token);
});

afterAll(async () => {
  await stack?.stop();
});

/** Runs one server through create, rescue, unrescue and rebuild; returns each request's id. */
async function lifecycle(): Promise<{ id: string; requests: Record<string, string> }> {
  const requests: Record<string, string> = {};
  const created = await api.post('/v2.1/servers', {
    server: { name: 'logged', flavorRef: '1', imageRef: CIRROS, networks: 'none', adminPass: CREATE_PASS },
  });
  expect(created.status).toBe(202);
  const id = created.body.server.id as string;
  requests['create'] = created.headers.get('x-openstack-request-id')!;
  await api.waitForStatus(id, 'ACTIVE');
  for (const [name, body, code, status] of [
    ['rescue', { rescue: { adminPass: RESCUE_PASS } }, 200, 'RESCUE'],
    ['unrescue', { unrescue: null }, 202, 'ACTIVE'],
    ['rebuild', { rebuild: { imageRef: CIRROS, adminPass: REBUILD_PASS } }, 202, 'ACTIVE'],
  ] as const) {
    const reply = await api.action(id, body);
    expect(reply.status).toBe(code);
    requests[name] = reply.headers.get('x-openstack-request-id')!;
    await api.waitForStatus(id, status);
  }
  // Lines from a request the API refused: an unknown token, in a header the API must not echo.
  expect((await anon.as('not-a-token-9d1e').get('/v2.1/servers')).status).toBe(401);
  return { id, requests };
}

const isInstanceLine = (l: LogLine) => String(l['workflowId'] ?? '').includes('-instance-');

describe('logs of a server lifecycle', () => {
  let id: string;
  let requests: Record<string, string>;

  beforeAll(async () => {
    ({ id, requests } = await lifecycle());
    await stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id)).result();
  });

  it('never contain a password, an admin password, a token, the database URL or the metadata secret', () => {
    const text = capture.text();
    expect(lines().length).toBeGreaterThan(50);
    const secrets = [
      ADMIN_PASSWORD,
      CREATE_PASS,
      RESCUE_PASS,
      REBUILD_PASS,
      token,
      'not-a-token-9d1e',
      stack.databaseUrl,
      new URL(stack.databaseUrl).password,
      stack.computeConfig({ name: 'host-logs' }).metadataProxy!.secret,
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('give every API line its request id, and the instance where the request names one', () => {
    const access = lines().filter((l) => l['component'] === 'api' && typeof l['status'] === 'number');
    expect(access.length).toBeGreaterThan(5);
    for (const line of access) expect(line['requestId']).toMatch(/^req-[0-9a-f-]{36}$/);
    for (const [operation, requestId] of Object.entries(requests)) {
      const line = access.find((l) => l['requestId'] === requestId);
      expect({ operation, line }).toMatchObject({
        operation,
        line: { instanceUuid: id, method: 'POST', status: operation === 'rescue' ? 200 : 202 },
      });
    }
    expect(access.find((l) => l['status'] === 401)).toMatchObject({
      url: '/v2.1/servers',
      requestId: expect.any(String),
    });
  });

  it("give each operation's workflow and activity lines, on the conductor and on the host, its ids", () => {
    const operational = lines().filter(isInstanceLine);
    for (const line of operational) {
      expect(line).toMatchObject({
        workflowId: instanceWorkflowId(stack.prefix, id),
        runId: expect.any(String),
        instanceUuid: id,
      });
    }
    for (const [operation, requestId] of Object.entries(requests)) {
      const mine = operational.filter((l) => l['requestId'] === requestId);
      expect({ operation, runs: new Set(mine.map((l) => l['runId'])).size }).toEqual({ operation, runs: 1 });
      expect(mine.find((l) => l['msg'] === 'Workflow completed')).toBeDefined();
      const completed = mine.filter((l) => l['msg'] === 'Activity completed');
      const queues = new Set(completed.map((l) => l['taskQueue']));
      expect({ operation, queues }).toEqual({
        operation,
        queues: new Set([`${stack.prefix}conductor`, `${stack.prefix}compute-host-logs`]),
      });
      for (const line of completed) expect(line['activityType']).toEqual(expect.any(String));
    }
    // The SDK writes "Activity started" before any interceptor has read the workflow's header: every other
    // line about an operation has its request id.
    const withoutRequest = operational.filter((l) => l['requestId'] === undefined).map((l) => l['msg']);
    expect(new Set(withoutRequest)).toEqual(new Set(['Activity started']));
  });
});

describe('logs of a build that fails on its first host', () => {
  const BIG = 'host-logs-big';
  let id: string;
  let requestId: string;

  beforeAll(async () => {
    // Four times the memory: the RAM weigher makes it the primary, and the build fails there.
    await stack.startHost({ name: BIG, memoryMb: 131072 });
    await waitForHostsScheduled(stack.sql, 2);
    await stack.hypervisor(BIG).faults.set(HypervisorStep.Spawn, { mode: 'fail' });
    const reply = await api.post('/v2.1/servers', {
      server: { name: 'moved', flavorRef: '1', imageRef: CIRROS, networks: 'none' },
    });
    expect(reply.status).toBe(202);
    id = reply.body.server.id as string;
    requestId = reply.headers.get('x-openstack-request-id')!;
    expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-logs');
    await stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id)).result();
  });

  afterAll(async () => {
    await stack.hypervisor(BIG).faults.clear();
  });

  it("carries the ids on the workflow's own warning and on the host's failed activity", () => {
    const ids = {
      requestId,
      instanceUuid: id,
      workflowId: instanceWorkflowId(stack.prefix, id),
      runId: expect.any(String),
    };
    const warning = lines().find(
      (l) => l['msg'] === 'failed on a host, trying an alternate' && l['instanceUuid'] === id,
    );
    expect(warning).toMatchObject({ ...ids, sdkComponent: 'workflow', host: BIG, level: 40 });
    const failed = lines().find((l) => l['msg'] === 'Activity failed' && l['instanceUuid'] === id);
    expect(failed).toMatchObject({
      ...ids,
      activityType: 'spawn',
      taskQueue: `${stack.prefix}compute-${BIG}`,
      err: { message: expect.stringContaining('spawn') },
    });
  });
});
