import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { InstanceIdKey, OperationKey, RequestIdKey } from '../../domain/search-attributes';
import { expectNovaError } from '../support/http';
import { actionOfReply } from '../support/instance-actions';
import { serverState } from '../support/server-state';
import { useTestStack } from '../support/use-test-stack';

// Sizes fix the scheduler's order: creates land on host-a, moves go to host-b.
const env = useTestStack({
  hosts: [
    { name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 },
    { name: 'host-b', vcpus: 32, memoryMb: 32768, diskGb: 1000 },
  ],
});

afterEach(async () => {
  for (const host of ['host-a', 'host-b']) await env.stack.hypervisor(host).faults.clear();
});

const reset = (id: string, state: unknown, client = env.api) => client.action(id, { 'os-resetState': { state } });

async function activeServer(name: string): Promise<string> {
  const id = await env.api.createServer({ name });
  await env.api.waitForStatus(id, 'ACTIVE');
  return id;
}

const stateOf = (id: string) => serverState(env.api, id);

/** Every allocation the server or its migrations hold, as `consumer@host` with the migration's uuid as `migration`. */
async function allocations(id: string): Promise<string[]> {
  const rows = await env.stack.sql<{ consumer: string; host: string }[]>`
    SELECT CASE WHEN a.consumer_uuid = ${id} THEN 'server' ELSE 'migration' END AS consumer, a.host
    FROM allocations a
    WHERE a.consumer_uuid = ${id}
       OR a.consumer_uuid IN (SELECT uuid FROM server_migrations WHERE instance_uuid = ${id})
    ORDER BY a.host`;
  return rows.map((r) => `${r.consumer}@${r.host}`);
}

async function actionsOf(id: string): Promise<[string, string | null][]> {
  const { instanceActions } = (await env.api.get(`/v2.1/servers/${id}/os-instance-actions`)).body;
  return instanceActions.map((a: any) => [a.action, a.message]);
}

async function migrationStatus(id: string): Promise<string> {
  const [row] = await env.stack.sql<{ status: string }[]>`
    SELECT status FROM server_migrations WHERE instance_uuid = ${id} ORDER BY id DESC LIMIT 1`;
  return row!.status;
}

describe('os-resetState', () => {
  let badInputServer: Promise<string> | undefined;

  it('sets the vm_state and clears nothing else, as a resetState action; the server then takes operations', async () => {
    const id = await activeServer('reset-me');
    const toError = await reset(id, 'error');
    expect(toError.status).toBe(202);
    expect(toError.body).toBeUndefined();
    expect(await stateOf(id)).toEqual(['ERROR', 'error', null, 1, 'host-a']);
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toMatchObject({ powerState: 1 });

    const action = await actionOfReply(env.api, id, toError);
    expect(action).toMatchObject({ action: 'resetState', message: null, events: [] });
    expect(action.finish_time).not.toBeNull();

    // An ACTIVE-only action is refused while ERROR, and goes through once reset to active.
    expectNovaError(
      await env.api.action(id, { pause: null }),
      409,
      'conflictingRequest',
      `Cannot 'pause' instance ${id} while it is in vm_state error`,
    );
    expect((await reset(id, 'active')).status).toBe(202);
    expect(await stateOf(id)).toEqual(['ACTIVE', 'active', null, 1, 'host-a']);
    expect((await env.api.action(id, { pause: null })).status).toBe(202);
    await env.api.waitForStatus(id, 'PAUSED');
    expect((await actionsOf(id)).map(([name]) => name)).toEqual(['pause', 'resetState', 'resetState', 'create']);
  });

  it('is a run of its own in the Temporal UI, found by the instance and the operation', async () => {
    const id = await activeServer('reset-run');
    const reply = await reset(id, 'error');
    expect(reply.status).toBe(202);
    const run = await env.stack.client.workflow.getHandle(instanceWorkflowId(env.stack.prefix, id)).describe();
    expect(run.type).toBe('resetStateWorkflow');
    expect(run.status.name).toBe('COMPLETED');
    expect({
      instanceId: run.typedSearchAttributes.get(InstanceIdKey),
      operation: run.typedSearchAttributes.get(OperationKey),
      requestId: run.typedSearchAttributes.get(RequestIdKey),
      summary: await run.staticSummary(),
    }).toEqual({
      instanceId: id,
      operation: 'resetState',
      requestId: reply.headers.get('x-openstack-request-id'),
      summary: 'reset server reset-run to error, requested by admin',
    });
  });

  it('rolls a cold migration stuck on its destination back first: the reset leaves no claim on that host', async () => {
    const id = await activeServer('reset-stuck');
    await env.stack.hypervisor('host-b').faults.set(HypervisorStep.FinishMigration, { mode: 'hang' });
    expect((await env.api.action(id, { migrate: null })).status).toBe(202);
    await env.api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'resize_finish');
    expect(await allocations(id)).toEqual(['migration@host-a', 'server@host-b']);

    expect((await reset(id, 'error')).status).toBe(202);
    expect(await stateOf(id)).toEqual(['ERROR', 'error', null, 1, 'host-a']);
    expect(await allocations(id)).toEqual(['server@host-a']);
    expect(await env.stack.hypervisor('host-b').getGuest(id)).toBeUndefined();
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toMatchObject({ powerState: 1 });
    expect(await migrationStatus(id)).toBe('error');
    expect(await actionsOf(id)).toEqual([
      ['resetState', null],
      ['migrate', 'Error'],
      ['create', null],
    ]);

    // Nothing resumes over the reset: the server migrates again once reset to active.
    await env.stack.hypervisor('host-b').faults.clear();
    expect((await reset(id, 'active')).status).toBe(202);
    expect((await env.api.action(id, { migrate: null })).status).toBe(202);
    expect((await env.api.waitForStatus(id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host']).toBe('host-b');
  });

  it('confirms a resize waiting in VERIFY_RESIZE, as before a delete, and resets the server where it now is', async () => {
    const id = await activeServer('reset-verify');
    expect((await env.api.action(id, { migrate: null })).status).toBe(202);
    await env.api.waitForStatus(id, 'VERIFY_RESIZE');

    expect((await reset(id, 'active')).status).toBe(202);
    expect(await stateOf(id)).toEqual(['ACTIVE', 'active', null, 1, 'host-b']);
    expect(await allocations(id)).toEqual(['server@host-b']);
    expect(await migrationStatus(id)).toBe('confirmed');
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    expect((await actionsOf(id)).map(([name]) => name)).toEqual(['resetState', 'confirmResize', 'migrate', 'create']);
  });

  it('is for admins: a member of the project gets 403 and the server is left as it was', async () => {
    const member = env.api.as('alice:demo');
    const id = await member.createServer({ name: 'reset-member' });
    await member.waitForStatus(id, 'ACTIVE');
    expectNovaError(
      await reset(id, 'error', member),
      403,
      'forbidden',
      "Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed.",
    );
    expect((await stateOf(id))[0]).toBe('ACTIVE');
  });

  it.each([
    [
      'a state Nova does not reset to',
      { 'os-resetState': { state: 'stopped' } },
      "Invalid input for field/attribute state. Value: stopped. 'stopped' is not one of ['active', 'error']",
    ],
    [
      'no state',
      { 'os-resetState': {} },
      "Invalid input for field/attribute os-resetState. Value: {}. 'state' is a required property",
    ],
    ['another field', { 'os-resetState': { state: 'error', task_state: null } }, 'Additional properties'],
    ['no object', { 'os-resetState': null }, 'Invalid input for field/attribute os-resetState'],
  ])('refuses %s with 400 and leaves the server alone', async (_name, body, message) => {
    badInputServer ??= activeServer('reset-bad');
    const id = await badInputServer;
    const reply = await env.api.action(id, body);
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toContain(message);
    expect(await stateOf(id)).toEqual(['ACTIVE', 'active', null, 1, 'host-a']);
  });

  it('answers 404 for a server that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-00000000beef';
    expectNovaError(await reset(missing, 'error'), 404, 'itemNotFound', `Instance ${missing} could not be found.`);
  });
});
