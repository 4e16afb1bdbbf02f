import { hypervisorUuid } from '../../api/views/hypervisor';
import { hostWorkflowId } from '../../domain/naming';
import { serviceUuid } from '../../api/views/hypervisor-ids';
import { servicesListSchema, serviceUpdateSchema } from '../../api/views/service';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// os-services over HTTP: each compute host as its nova-compute service, its state from the host's reports,
// and operator changes that go through the host's workflow to the conductor. host-a is the larger host, so the
// scheduler prefers it whenever it may use it.
let stack: TestStack;
let admin: ApiClient;
let alice: ApiClient;

const at = (minor: number) => ({ major: 2, minor });
const mv = (client: ApiClient, version: string) =>
  client.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', vcpus: 64, memoryMb: 131072, diskGb: 4000 },
      { name: 'host-b', vcpus: 16, memoryMb: 32768, diskGb: 500 },
    ],
  });
  admin = new ApiClient(stack.baseUrl);
  alice = admin.as('alice:proj');
});

afterAll(async () => {
  await stack?.stop();
});

function expectNovaError(reply: { status: number; body: any }, status: number, fault: string, message: string) {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ [fault]: { code: status, message } });
}

async function services(version = '2.53', query = ''): Promise<any[]> {
  const reply = await mv(admin, version).get(`/v2.1/os-services${query}`);
  expect(reply.status).toBe(200);
  expect(() => servicesListSchema(at(Number(version.split('.')[1]))).parse(reply.body)).not.toThrow();
  return reply.body.services;
}

async function serviceOf(host: string): Promise<any> {
  return (await services()).find((s) => s.host === host);
}

/** PUT /os-services/{uuid} at 2.53, checked against Nova's reply schema. */
async function update(host: string, body: unknown): Promise<any> {
  const reply = await mv(admin, '2.53').put(`/v2.1/os-services/${serviceUuid(host)}`, body);
  if (reply.status === 200) expect(() => serviceUpdateSchema(at(53)).parse(reply.body)).not.toThrow();
  return reply;
}

async function placedOn(name: string): Promise<string> {
  const id = await admin.createServer({ name });
  const server = await admin.waitForStatus(id, 'ACTIVE');
  await admin.delete(`/v2.1/servers/${id}`);
  await admin.waitForGone(id);
  return server['OS-EXT-SRV-ATTR:host'];
}

describe('GET /os-services', () => {
  it('lists each host as an enabled, up nova-compute in its zone, with integer ids before 2.53', async () => {
    const list = (await services('2.1')).sort((a, b) => a.host.localeCompare(b.host));
    expect(list.map((s) => [s.binary, s.host, s.zone, s.status, s.state, s.disabled_reason])).toEqual([
      ['nova-compute', 'host-a', 'nova', 'enabled', 'up', null],
      ['nova-compute', 'host-b', 'nova', 'enabled', 'up', null],
    ]);
    expect(list.map((s) => s.id).sort()).toEqual([1, 2]);
    expect(list[0]).not.toHaveProperty('forced_down');
    expect((await services('2.11'))[0].forced_down).toBe(false);
  });

  it("uses the uuid from 2.53; either way the id is the one the hypervisor's service shows", async () => {
    const list = await services('2.53');
    expect(list.map((s) => s.id).sort()).toEqual([serviceUuid('host-a'), serviceUuid('host-b')].sort());
    const hypervisor = await mv(admin, '2.53').get(`/v2.1/os-hypervisors/${hypervisorUuid('host-a')}`);
    expect(hypervisor.body.hypervisor.service.id).toBe(serviceUuid('host-a'));
    const old = await mv(admin, '2.1').get('/v2.1/os-hypervisors/detail');
    const byHost = (rows: any[], id: (row: any) => unknown) => Object.fromEntries(rows.map((r) => [r.host, id(r)]));
    expect(byHost(await services('2.1'), (s) => s.id)).toEqual(
      byHost(
        old.body.hypervisors.map((h: any) => h.service),
        (s) => s.id,
      ),
    );
  });

  it('filters by host and binary; other binaries have no service here', async () => {
    expect((await services('2.53', '?host=host-b')).map((s) => s.host)).toEqual(['host-b']);
    expect(await services('2.53', '?binary=nova-compute&host=host-a')).toHaveLength(1);
    expect(await services('2.53', '?binary=nova-scheduler')).toEqual([]);
    expect(await services('2.53', '?host=nowhere')).toEqual([]);
  });

  it('ignores unknown query parameters before 2.75 and rejects them from 2.75', async () => {
    expect(await services('2.74', '?zone=nova')).toHaveLength(2);
    const reply = await mv(admin, '2.75').get('/v2.1/os-services?zone=nova');
    expectNovaError(reply, 400, 'badRequest', "Additional properties are not allowed ('zone' was unexpected)");
  });

  it('forbids non-admins', async () => {
    expectNovaError(
      await alice.get('/v2.1/os-services'),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-services:list to be performed.",
    );
  });
});

describe('PUT /os-services/{service_id} (2.53)', () => {
  it('disables a host with a reason, and the scheduler then places servers elsewhere', async () => {
    expect(await placedOn('before')).toBe('host-a');
    const reply = await update('host-a', { status: 'disabled', disabled_reason: 'maintenance' });
    expect(reply.status).toBe(200);
    expect(reply.body.service).toMatchObject({
      id: serviceUuid('host-a'),
      binary: 'nova-compute',
      host: 'host-a',
      status: 'disabled',
      disabled_reason: 'maintenance',
      state: 'up',
      forced_down: false,
    });
    expect((await serviceOf('host-a')).status).toBe('disabled');
    expect(await placedOn('while-disabled')).toBe('host-b');
  });

  it('enables it again, clearing the reason', async () => {
    const reply = await update('host-a', { status: 'enabled' });
    expect(reply.body.service).toMatchObject({ status: 'enabled', disabled_reason: null });
    expect(await placedOn('after')).toBe('host-a');
  });

  it('forces a host down (state down, no placements) and up again', async () => {
    const down = await update('host-a', { forced_down: true });
    expect(down.body.service).toMatchObject({ state: 'down', status: 'enabled', forced_down: true });
    expect(await placedOn('while-down')).toBe('host-b');
    const hypervisors = await mv(admin, '2.53').get('/v2.1/os-hypervisors');
    expect(hypervisors.body.hypervisors.find((h: any) => h.hypervisor_hostname === 'host-a').state).toBe('down');
    const up = await update('host-a', { forced_down: 'false' });
    expect(up.body.service).toMatchObject({ state: 'up', forced_down: false });
  });

  it("answers Nova's 400s for a bad id, a body that changes nothing, a reason with enabled and a bad value", async () => {
    expectNovaError(
      await mv(admin, '2.53').put('/v2.1/os-services/disable', { status: 'disabled' }),
      400,
      'badRequest',
      'Invalid uuid disable',
    );
    expectNovaError(
      await update('host-a', {}),
      400,
      'badRequest',
      "No updates were requested. Fields 'status' or 'forced_down' should be specified.",
    );
    expectNovaError(
      await update('host-a', { status: 'enabled', disabled_reason: 'why' }),
      400,
      'badRequest',
      "Specifying 'disabled_reason' with status 'enabled' is invalid.",
    );
    expect((await update('host-a', { status: 'off' })).status).toBe(400);
    expect((await update('host-a', { forced_down: 'maybe' })).status).toBe(400);
    expect((await update('host-a', { host: 'host-a' })).status).toBe(400);
  });

  it('answers 404 for an unknown service and 403 to non-admins', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectNovaError(
      await mv(admin, '2.53').put(`/v2.1/os-services/${unknown}`, { status: 'disabled' }),
      404,
      'itemNotFound',
      `Service ${unknown} could not be found.`,
    );
    expectNovaError(
      await mv(alice, '2.53').put(`/v2.1/os-services/${serviceUuid('host-a')}`, { status: 'disabled' }),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-services:update to be performed.",
    );
    expect((await serviceOf('host-a')).status).toBe('enabled');
  });
  it("reaches a host whose workflow is not running: the change starts it, as the host's next report would", async () => {
    await stack.client.workflow.getHandle(hostWorkflowId(stack.prefix, 'host-b')).terminate('test: gone');
    const reply = await update('host-b', { status: 'disabled', disabled_reason: 'rack move' });
    expect(reply.body.service).toMatchObject({ status: 'disabled', disabled_reason: 'rack move' });
    expect((await update('host-b', { status: 'enabled' })).body.service.status).toBe('enabled');
  });
});

describe('PUT /os-services/{action} (2.1–2.52)', () => {
  const legacy = (version: string, action: string, body: unknown) =>
    mv(admin, version).put(`/v2.1/os-services/${action}`, body);

  it('disables with and without a reason and enables, answering with what changed', async () => {
    const disabled = await legacy('2.1', 'disable', { host: 'host-b', binary: 'nova-compute' });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ service: { host: 'host-b', binary: 'nova-compute', status: 'disabled' } });
    expect(() => serviceUpdateSchema(at(1)).parse(disabled.body)).not.toThrow();
    const logged = await legacy('2.1', 'disable-log-reason', {
      host: 'host-b',
      binary: 'nova-compute',
      disabled_reason: 'disk swap',
    });
    expect(logged.body.service).toEqual({
      host: 'host-b',
      binary: 'nova-compute',
      status: 'disabled',
      disabled_reason: 'disk swap',
    });
    expect(await serviceOf('host-b')).toMatchObject({ status: 'disabled', disabled_reason: 'disk swap' });
    const enabled = await legacy('2.52', 'enable', { host: 'host-b', binary: 'nova-compute' });
    expect(enabled.body.service.status).toBe('enabled');
    expect(await serviceOf('host-b')).toMatchObject({ status: 'enabled', disabled_reason: null });
  });

  it('forces down from 2.11 only', async () => {
    const body = { host: 'host-b', binary: 'nova-compute', forced_down: true };
    expectNovaError(await legacy('2.10', 'force-down', body), 400, 'badRequest', expect.any(String) as any);
    expectNovaError(
      await legacy('2.10', 'force-down', { host: 'host-b', binary: 'nova-compute' }),
      404,
      'itemNotFound',
      'Unknown action',
    );
    const down = await legacy('2.11', 'force-down', body);
    expect(down.body).toEqual({ service: { host: 'host-b', binary: 'nova-compute', forced_down: true } });
    expect(await serviceOf('host-b')).toMatchObject({ state: 'down', forced_down: true });
    await legacy('2.11', 'force-down', { ...body, forced_down: false });
    expect(await serviceOf('host-b')).toMatchObject({ state: 'up', forced_down: false });
  });

  it("answers Nova's errors for other binaries, unknown hosts, unknown actions and missing fields", async () => {
    expectNovaError(
      await legacy('2.1', 'disable', { host: 'host-b', binary: 'nova-scheduler' }),
      400,
      'badRequest',
      'Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.',
    );
    expectNovaError(
      await legacy('2.1', 'disable', { host: 'nowhere', binary: 'nova-compute' }),
      404,
      'itemNotFound',
      "Host 'nowhere' is not mapped to any cell",
    );
    expectNovaError(
      await legacy('2.1', 'reboot', { host: 'host-b', binary: 'nova-compute' }),
      404,
      'itemNotFound',
      'Unknown action',
    );
    expectNovaError(
      await legacy('2.1', 'disable-log-reason', { host: 'host-b', binary: 'nova-compute' }),
      400,
      'badRequest',
      'Missing disabled reason field',
    );
    expectNovaError(
      await legacy('2.1', 'disable', { binary: 'nova-compute' }),
      400,
      'badRequest',
      "'host' is a required property",
    );
    expectNovaError(
      await mv(alice, '2.1').put('/v2.1/os-services/disable', { host: 'host-b', binary: 'nova-compute' }),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-services:update to be performed.",
    );
    expect((await serviceOf('host-b')).status).toBe('enabled');
  });
});
