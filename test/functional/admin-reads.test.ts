import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { instanceWorkflowId } from '../../domain/naming';
import { createApiApp } from '../../api/app';
import { Operations } from '../../api/operations';
import { availabilityZonesSchema } from '../../api/views/availability-zone';
import { hypervisorBodySchema, hypervisorUuid, hypervisorsListSchema } from '../../api/views/hypervisor';
import { instanceActionBodySchema, instanceActionsListSchema } from '../../api/views/instance-action';
import { limitsSchema } from '../../api/views/limits';
import { hostIdFor } from '../../api/views/server-fields';
import { ApiClient, expectNovaError } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// The read-only admin views: instance actions (with their Temporal runs), hypervisors, availability zones and
// limits, over HTTP against a real stack: one host, one server of project `proj` created and then stopped.
let stack: TestStack;
let admin: ApiClient;
let alice: ApiClient;
let serverId: string;

const at = (minor: number) => ({ major: 2, minor });
const mv = (client: ApiClient, version: string) =>
  client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });
const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  admin = new ApiClient(stack.baseUrl);
  alice = admin.as('alice:proj');
  serverId = await alice.createServer({ name: 'audited' });
  await alice.waitForStatus(serverId, 'ACTIVE');
  expect((await alice.action(serverId, { 'os-stop': null })).status).toBe(202);
  await alice.waitForStatus(serverId, 'SHUTOFF');
});

afterAll(async () => {
  await stack?.stop();
});

async function actions(client: ApiClient, version = '2.1', query = ''): Promise<any> {
  const reply = await mv(client, version).get(`/v2.1/servers/${serverId}/os-instance-actions${query}`);
  expect(reply.status).toBe(200);
  return reply.body;
}

describe('GET /servers/{id}/os-instance-actions', () => {
  it("lists the create and the stop, newest first, in Nova's 2.1 shape plus their workflow runs", async () => {
    const body = await actions(alice);
    expect(() => instanceActionsListSchema(at(1)).parse(body)).not.toThrow();
    expect(body.instanceActions.map((a: any) => a.action)).toEqual(['stop', 'create']);
    const [stop] = body.instanceActions;
    expect(Object.keys(stop).sort()).toEqual([
      'action',
      'instance_uuid',
      'message',
      'project_id',
      'request_id',
      'run_id',
      'start_time',
      'user_id',
      'workflow_id',
    ]);
    expect(stop).toMatchObject({ instance_uuid: serverId, user_id: 'alice', project_id: 'proj', message: null });
    expect(stop.request_id).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(stop.start_time).toMatch(PERFECT_TIME);
  });

  it('names the Temporal run that carried out each action', async () => {
    const body = await actions(admin);
    const types = [];
    for (const action of body.instanceActions) {
      expect(action.workflow_id).toBe(instanceWorkflowId(stack.prefix, serverId));
      const run = await stack.client.workflow.getHandle(action.workflow_id, action.run_id).describe();
      types.push(run.type);
    }
    expect(types).toEqual(['stopServerWorkflow', 'createServerWorkflow']);
  });

  it('pages with limit and a request_id marker from 2.58, with updated_at and a next link', async () => {
    const first = await actions(alice, '2.58', '?limit=1');
    expect(() => instanceActionsListSchema(at(58)).parse(first)).not.toThrow();
    expect(first.instanceActions).toHaveLength(1);
    const [stop] = first.instanceActions;
    expect(stop.updated_at).toMatch(PERFECT_TIME);
    expect(first.links).toEqual([
      {
        rel: 'next',
        href: `${stack.baseUrl}/v2.1/servers/${serverId}/os-instance-actions?limit=1&marker=${stop.request_id}`,
      },
    ]);
    const second = await actions(alice, '2.58', `?limit=1&marker=${stop.request_id}`);
    expect(second.instanceActions.map((a: any) => a.action)).toEqual(['create']);
    const last = await actions(alice, '2.58', `?limit=1&marker=${second.instanceActions[0].request_id}`);
    expect(last).toEqual({ instanceActions: [] });
  });

  it('filters by changes-since from 2.58 and ignores query parameters before', async () => {
    expect((await actions(alice, '2.58', '?changes-since=2999-01-01T00:00:00Z')).instanceActions).toEqual([]);
    expect(
      (await actions(alice, '2.1', '?changes-since=2999-01-01T00:00:00Z&colour=blue')).instanceActions,
    ).toHaveLength(2);
  });

  it("rejects an unknown marker with Nova's message and unknown parameters from 2.58", async () => {
    const path = `/v2.1/servers/${serverId}/os-instance-actions`;
    const marker = await mv(alice, '2.58').get(`${path}?marker=req-nope`);
    expectNovaError(marker, 400, 'badRequest', 'Marker None could not be found.');
    const extra = await mv(alice, '2.58').get(`${path}?colour=blue`);
    expectNovaError(extra, 400, 'badRequest', "Additional properties are not allowed ('colour' was unexpected)");
  });

  it("answers 404 for an unknown server and for another project's", async () => {
    const unknown = await admin.get(`/v2.1/servers/${UNKNOWN_UUID}/os-instance-actions`);
    expectNovaError(unknown, 404, 'itemNotFound', `Instance ${UNKNOWN_UUID} could not be found.`);
    const foreign = await admin.as('bob:other').get(`/v2.1/servers/${serverId}/os-instance-actions`);
    expectNovaError(foreign, 404, 'itemNotFound', `Instance ${serverId} could not be found.`);
  });

  it('links each action to its run in the Temporal UI when the API knows the UI', async () => {
    const app = createApiApp({
      sql: stack.sql,
      operations: new Operations(stack.client, stack.settings),
      log: pino({ level: 'silent' }),
      maxLimit: 1000,
      temporalUiUrl: 'http://temporal-ui.test:8233',
      namespace: 'default',
      images: stack.images,
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const reply = await new ApiClient(`http://127.0.0.1:${port}`).get(
        `/v2.1/servers/${serverId}/os-instance-actions`,
      );
      for (const action of reply.body.instanceActions) {
        expect(action.temporal_ui_url).toBe(
          `http://temporal-ui.test:8233/namespaces/default/workflows/${action.workflow_id}/${action.run_id}/history`,
        );
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('GET /servers/{id}/os-instance-actions/{request_id}', () => {
  let stopRequestId: string;

  beforeAll(async () => {
    stopRequestId = (await actions(admin)).instanceActions[0].request_id;
    // The stop recorded its own compute_stop_instance event; it is replaced by fixed rows (known times, an
    // unfinished second event, details) so the shapes below can be asserted exactly.
    const [action] = await stack.sql`
      SELECT id FROM instance_actions WHERE instance_uuid = ${serverId} AND request_id = ${stopRequestId}`;
    await stack.sql`DELETE FROM instance_action_events WHERE action_id = ${action!['id']}`;
    await stack.sql`
      INSERT INTO instance_action_events (action_id, event, host, start_time, finish_time, result, traceback, details)
      VALUES (${action!['id']}, 'compute_stop_instance', 'host-a', '2024-01-02T03:04:05.123Z',
              '2024-01-02T03:04:06.5Z', 'Success', NULL, NULL),
             (${action!['id']}, 'compute_power_off_check', 'host-a', '2024-01-02T03:04:07Z', NULL, NULL, NULL, NULL)`;
  });

  const show = async (client: ApiClient, version: string) => {
    const reply = await mv(client, version).get(`/v2.1/servers/${serverId}/os-instance-actions/${stopRequestId}`);
    expect(reply.status).toBe(200);
    expect(() => instanceActionBodySchema(at(Number(version.split('.')[1]))).parse(reply.body)).not.toThrow();
    return reply.body.instanceAction;
  };

  it('shows admins the events with traceback at 2.1, newest first, and no events to the owner', async () => {
    const action = await show(admin, '2.1');
    expect(action).toMatchObject({ action: 'stop', request_id: stopRequestId, instance_uuid: serverId });
    expect(action.events).toEqual([
      {
        event: 'compute_power_off_check',
        start_time: '2024-01-02T03:04:07.000000',
        finish_time: null,
        result: null,
        traceback: null,
      },
      {
        event: 'compute_stop_instance',
        start_time: '2024-01-02T03:04:05.123000',
        finish_time: '2024-01-02T03:04:06.500000',
        result: 'Success',
        traceback: null,
      },
    ]);
    expect(await show(alice, '2.1')).not.toHaveProperty('events');
  });

  it('adds host, hostId and details for admins at 2.84, and only hostId for the owner', async () => {
    const hostId = hostIdFor('proj', 'host-a');
    const adminView = await show(admin, '2.84');
    expect(adminView.updated_at).toMatch(PERFECT_TIME);
    expect(adminView.events[1]).toEqual({
      event: 'compute_stop_instance',
      start_time: '2024-01-02T03:04:05.123000',
      finish_time: '2024-01-02T03:04:06.500000',
      result: 'Success',
      traceback: null,
      host: 'host-a',
      hostId,
      details: null,
    });
    const ownerView = await show(alice, '2.84');
    expect(ownerView.events[1]).toEqual({
      event: 'compute_stop_instance',
      start_time: '2024-01-02T03:04:05.123000',
      finish_time: '2024-01-02T03:04:06.500000',
      result: 'Success',
      hostId,
    });
    expect(ownerView.workflow_id).toBe(instanceWorkflowId(stack.prefix, serverId));
    expect(ownerView.run_id).toEqual(expect.any(String));
  });

  it("answers 404 with Nova's message for an unknown request id", async () => {
    const reply = await alice.get(`/v2.1/servers/${serverId}/os-instance-actions/req-nope`);
    expectNovaError(reply, 404, 'itemNotFound', 'Action req-nope not found');
    const server = await alice.get(`/v2.1/servers/${UNKNOWN_UUID}/os-instance-actions/${stopRequestId}`);
    expectNovaError(server, 404, 'itemNotFound', `Instance ${UNKNOWN_UUID} could not be found.`);
  });
});

describe('GET /os-hypervisors', () => {
  it('lists the host as up and enabled with an integer id at 2.1 and its uuid from 2.53', async () => {
    const old = await admin.get('/v2.1/os-hypervisors');
    expect(old.status).toBe(200);
    expect(old.body).toEqual({
      hypervisors: [{ id: 1, hypervisor_hostname: 'host-a', state: 'up', status: 'enabled' }],
    });
    const current = await mv(admin, '2.53').get('/v2.1/os-hypervisors');
    expect(() => hypervisorsListSchema(at(53), { detail: false }).parse(current.body)).not.toThrow();
    expect(current.body.hypervisors[0].id).toBe(hypervisorUuid('host-a'));
  });

  it("shows the server's claim in the 2.1 detail: one VM, its vCPU, RAM (plus reserved) and disk", async () => {
    const reply = await admin.get('/v2.1/os-hypervisors/detail');
    expect(reply.status).toBe(200);
    expect(() => hypervisorsListSchema(at(1), { detail: true }).parse(reply.body)).not.toThrow();
    expect(reply.body.hypervisors[0]).toMatchObject({
      id: 1,
      hypervisor_hostname: 'host-a',
      hypervisor_type: 'fake',
      service: { id: 1, host: 'host-a', disabled_reason: null },
      vcpus: 16,
      vcpus_used: 1,
      memory_mb: 32768,
      memory_mb_used: 512 + 512,
      free_ram_mb: 32768 - 1024,
      local_gb: 500,
      local_gb_used: 1,
      free_disk_gb: 499,
      running_vms: 1,
      current_workload: 0,
    });
    expect(typeof reply.body.hypervisors[0].cpu_info).toBe('string');
  });

  it('drops the capacity fields and adds uptime at 2.88', async () => {
    const reply = await mv(admin, '2.88').get('/v2.1/os-hypervisors/detail');
    expect(() => hypervisorsListSchema(at(88), { detail: true }).parse(reply.body)).not.toThrow();
    const [host] = reply.body.hypervisors;
    expect(Object.keys(host).sort()).toEqual([
      'host_ip',
      'hypervisor_hostname',
      'hypervisor_type',
      'hypervisor_version',
      'id',
      'service',
      'state',
      'status',
      'uptime',
    ]);
    expect(host.uptime).toMatch(/^ \d{2}:\d{2}:\d{2} up /);
  });

  it('shows one hypervisor by id, with its servers when asked from 2.53', async () => {
    const old = await admin.get('/v2.1/os-hypervisors/1');
    expect(old.status).toBe(200);
    expect(() => hypervisorBodySchema(at(1)).parse(old.body)).not.toThrow();
    const uuid = hypervisorUuid('host-a');
    const current = await mv(admin, '2.75').get(`/v2.1/os-hypervisors/${uuid}?with_servers=true`);
    expect(current.status).toBe(200);
    expect(current.body.hypervisor.servers).toEqual([{ name: 'audited', uuid: serverId }]);
  });

  it('pages from 2.33 with hypervisors_links', async () => {
    const reply = await mv(admin, '2.33').get('/v2.1/os-hypervisors?limit=1');
    expect(reply.body.hypervisors_links).toEqual([
      { rel: 'next', href: `${stack.baseUrl}/v2.1/os-hypervisors?limit=1&marker=1` },
    ]);
    expect((await mv(admin, '2.33').get('/v2.1/os-hypervisors?limit=1&marker=1')).body).toEqual({ hypervisors: [] });
  });

  it("answers Nova's 404 and 400 for unknown and malformed ids", async () => {
    expectNovaError(
      await admin.get('/v2.1/os-hypervisors/9'),
      404,
      'itemNotFound',
      "Hypervisor with ID '9' could not be found.",
    );
    expectNovaError(
      await admin.get('/v2.1/os-hypervisors/abc'),
      404,
      'itemNotFound',
      "Hypervisor with ID 'abc' could not be found.",
    );
    expectNovaError(await mv(admin, '2.53').get('/v2.1/os-hypervisors/1'), 400, 'badRequest', 'Invalid uuid 1');
    const unknown = await mv(admin, '2.53').get(`/v2.1/os-hypervisors/${UNKNOWN_UUID}`);
    expectNovaError(unknown, 404, 'itemNotFound', `Hypervisor with ID '${UNKNOWN_UUID}' could not be found.`);
  });

  it('forbids non-admins with the policy rule of each call', async () => {
    const cases = [
      ['/v2.1/os-hypervisors', 'os_compute_api:os-hypervisors:list'],
      ['/v2.1/os-hypervisors/detail', 'os_compute_api:os-hypervisors:list-detail'],
      ['/v2.1/os-hypervisors/1', 'os_compute_api:os-hypervisors:show'],
    ];
    for (const [path, rule] of cases) {
      expectNovaError(await alice.get(path!), 403, 'forbidden', `Policy doesn't allow ${rule} to be performed.`);
    }
  });
});

describe('GET /os-availability-zone', () => {
  it("lists the hosts' zone for anyone, without hosts", async () => {
    const reply = await alice.get('/v2.1/os-availability-zone');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }],
    });
  });

  it('details the hosts and their compute service for admins only', async () => {
    const reply = await admin.get('/v2.1/os-availability-zone/detail');
    expect(() => availabilityZonesSchema.parse(reply.body)).not.toThrow();
    expect(reply.body.availabilityZoneInfo).toEqual([
      {
        zoneName: 'nova',
        zoneState: { available: true },
        hosts: {
          'host-a': {
            'nova-compute': { available: true, active: true, updated_at: expect.stringMatching(PERFECT_TIME) },
          },
        },
      },
    ]);
    expectNovaError(
      await alice.get('/v2.1/os-availability-zone/detail'),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed.",
    );
  });
});

describe('GET /limits', () => {
  it("counts the caller's server against Nova's default limits", async () => {
    const reply = await alice.get('/v2.1/limits');
    expect(reply.status).toBe(200);
    expect(() => limitsSchema(at(1)).parse(reply.body)).not.toThrow();
    expect(reply.body.limits.absolute).toMatchObject({
      maxTotalInstances: 10,
      maxTotalCores: 20,
      maxTotalRAMSize: 51200,
      totalInstancesUsed: 1,
      totalCoresUsed: 1,
      totalRAMUsed: 512,
    });
    const other = await admin.get('/v2.1/limits');
    expect(other.body.limits.absolute).toMatchObject({ totalInstancesUsed: 0, totalCoresUsed: 0, totalRAMUsed: 0 });
  });

  it("lets admins read another project's usage and forbids others", async () => {
    const reply = await mv(admin, '2.57').get('/v2.1/limits?tenant_id=proj');
    expect(() => limitsSchema(at(57)).parse(reply.body)).not.toThrow();
    expect(reply.body.limits.absolute.totalInstancesUsed).toBe(1);
    expectNovaError(
      await alice.get('/v2.1/limits?tenant_id=admin'),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:limits:other_project to be performed.",
    );
  });
});

describe('a deleted server', () => {
  it('keeps its actions readable from 2.21 and 404 before', async () => {
    const id = await alice.createServer({ name: 'short-lived' });
    await alice.waitForStatus(id, 'ACTIVE');
    expect((await alice.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await alice.waitForGone(id);
    const old = await alice.get(`/v2.1/servers/${id}/os-instance-actions`);
    expectNovaError(old, 404, 'itemNotFound', `Instance ${id} could not be found.`);
    const current = await mv(alice, '2.21').get(`/v2.1/servers/${id}/os-instance-actions`);
    expect(current.status).toBe(200);
    expect(current.body.instanceActions.map((a: any) => a.action)).toEqual(['delete', 'create']);
  });
});
