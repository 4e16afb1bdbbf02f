import { randomUUID } from 'node:crypto';
import type { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { conductorQueue } from '../../domain/naming';
import { triggerCrashDumpWorkflow } from '../../workflows/trigger-crash-dump';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient, CIRROS, expectNovaError, type Reply } from '../support/http';
import { serverTaskRun } from '../support/server-task-run';
import { actionOfReply } from '../support/instance-actions';
import { startTestStack, type TestStack } from '../support/test-stack';

const HOSTS = ['host-a', 'host-b'];

let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: HOSTS.map((name) => ({ name })) });
  api = new ApiClient(stack.baseUrl).withHeaders({ 'OpenStack-API-Version': 'compute 2.17' });
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  for (const host of HOSTS) await stack.hypervisor(host).faults.clear();
});

async function activeServer(name: string, client = api): Promise<string> {
  const id = await client.createServer({ name });
  await client.waitForStatus(id, 'ACTIVE');
  return id;
}

async function hypervisorOf(id: string): Promise<FakeHypervisor> {
  const [row] = await stack.sql<{ host: string }[]>`SELECT host FROM instances WHERE uuid = ${id}`;
  return stack.hypervisor(row!.host);
}

async function consoleOf(id: string): Promise<string> {
  return (await api.action(id, { 'os-getConsoleOutput': {} })).body.output as string;
}

const actionOf = (id: string, reply: Reply) => actionOfReply(api, id, reply);

const dump = (id: string, client = api) => client.action(id, { trigger_crash_dump: null });

describe('trigger_crash_dump', () => {
  it('panics the guest, which saves a dump and reboots, and leaves the server ACTIVE and running', async () => {
    const id = await activeServer('dump-web');
    const reply = await dump(id);
    expect(reply.status).toBe(202);
    expect(reply.body).toBeUndefined();

    const output = await consoleOf(id);
    expect(output).toContain('Kernel panic - not syncing: NMI: Not continuing');
    expect(output).toContain('kdump: saving vmcore complete');
    expect(output.slice(output.indexOf('kdump'))).toContain('dump-web login:');
    const server = (await api.get(`/v2.1/servers/${id}`)).body.server;
    expect([server.status, server['OS-EXT-STS:task_state'], server['OS-EXT-STS:power_state']]).toEqual([
      'ACTIVE',
      null,
      1,
    ]);
    const action = await actionOf(id, reply);
    expect(action).toMatchObject({ action: 'trigger_crash_dump', message: null });
    expect(action.events.map((e: any) => [e.event, e.result, e.host])).toEqual([
      ['compute_trigger_crash_dump', 'Success', server['OS-EXT-SRV-ATTR:host']],
    ]);
    expect(await serverTaskRun(stack, id, 'crash-dump', reply)).toEqual({
      type: 'triggerCrashDumpWorkflow',
      status: 'COMPLETED',
      instanceId: id,
      operation: 'trigger_crash_dump',
      summary: expect.stringMatching(/^trigger_crash_dump server dump-web on host-[ab], requested by admin$/),
    });
  });

  it("is Nova's 404 before 2.17, and takes only a null body", async () => {
    const id = await activeServer('dump-versions');
    expectNovaError(
      await api.withHeaders({ 'OpenStack-API-Version': 'compute 2.16' }).action(id, { trigger_crash_dump: null }),
      404,
      'itemNotFound',
      'The resource could not be found.',
    );
    const reply = await api.action(id, { trigger_crash_dump: {} });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toMatch(/^Invalid input for field\/attribute trigger_crash_dump\. /);
  });

  it("refuses a stopped server with Nova's 409, and a locked one to its owner", async () => {
    const stopped = await activeServer('dump-stopped');
    expect((await api.action(stopped, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(stopped, 'SHUTOFF');
    expectNovaError(
      await dump(stopped),
      409,
      'conflictingRequest',
      `Cannot 'trigger_crash_dump' instance ${stopped} while it is in vm_state stopped`,
    );

    const owner = api.as('demo:demo');
    const locked = await activeServer('dump-locked', owner);
    expect((await owner.action(locked, { lock: null })).status).toBe(202);
    expectNovaError(await dump(locked, owner), 409, 'conflictingRequest', `Instance ${locked} is locked`);
    expect((await dump(locked)).status).toBe(202); // an admin passes the lock

    // A request that passed the API just before the server stopped is refused at admission, the run Completed.
    const requester = { requestId: `req-${randomUUID()}`, userId: 'admin', projectId: 'admin', isAdmin: true };
    const outcome = await stack.client.workflow.execute(triggerCrashDumpWorkflow, {
      workflowId: `${stack.prefix}past-the-api-${randomUUID()}`,
      taskQueue: conductorQueue(stack.settings.queuePrefix),
      args: [{ instanceUuid: stopped, requester, settings: stack.settings }],
    });
    expect(outcome).toEqual({
      refused: `Cannot 'trigger_crash_dump' instance ${stopped} while it is in vm_state stopped`,
    });
  });

  it('reaches a server waiting in VERIFY_RESIZE beside its resize, which still confirms', async () => {
    const id = await activeServer('dump-resized');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    await api.waitForStatus(id, 'VERIFY_RESIZE');
    expect((await dump(id)).status).toBe(202);
    expect(await consoleOf(id)).toContain('Kernel panic');
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
    await api.waitForStatus(id, 'ACTIVE');
  });

  it('holds the NMI of a paused guest: nothing on its console while its vCPUs are stopped', async () => {
    const id = await activeServer('dump-paused');
    expect((await api.action(id, { pause: null })).status).toBe(202);
    await api.waitForStatus(id, 'PAUSED');
    const before = await consoleOf(id);
    expect((await dump(id)).status).toBe(202);
    expect(await consoleOf(id)).toBe(before);
  });

  it('accepts, then records the error and the fault, when the host fails the NMI; the server is unchanged', async () => {
    const id = await activeServer('dump-refused');
    await (await hypervisorOf(id)).faults.set(HypervisorStep.TriggerCrashDump, { mode: 'fail' });
    const reply = await dump(id);
    expect(reply.status).toBe(202);
    const action = await actionOf(id, reply);
    expect(action.message).toBe('Error');
    expect(action.events[0]).toMatchObject({ event: 'compute_trigger_crash_dump', result: 'Error' });
    const [row] = await stack.sql`SELECT vm_state, task_state, power_state, fault FROM instances WHERE uuid = ${id}`;
    expect(row).toMatchObject({
      vm_state: 'active',
      task_state: null,
      power_state: 1,
      fault: { code: 500, message: expect.stringContaining('triggerCrashDump') },
    });
    expect(await consoleOf(id)).not.toContain('Kernel panic');
    const run = await stack.client.workflow
      .getHandle(`${stack.prefix}instance-${id}-crash-dump-${reply.headers.get('x-openstack-request-id')}`)
      .describe();
    expect(run.status.name).toBe('FAILED');
  });

  it('refuses an unknown server with 404', async () => {
    const reply = await dump(CIRROS);
    expectNovaError(reply, 404, 'itemNotFound', `Instance ${CIRROS} could not be found.`);
  });
});
