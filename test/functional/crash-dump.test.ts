import type { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { randomUUID } from 'node:crypto';
import { Operations } from '../../api/operations';
import { serverTaskWorkflowId } from '../../domain/naming';
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

/** The dump's run, as the request that `reply` answered started it: 202 comes at its admission, not its end. */
const runOf = (id: string, reply: Reply) =>
  stack.client.workflow.getHandle(
    serverTaskWorkflowId(stack.prefix, id, 'crash-dump', reply.headers.get('x-openstack-request-id')!),
  );

/** A dump accepted, once its run has closed (failed or not). */
async function dumped(id: string, client = api): Promise<Reply> {
  const reply = await dump(id, client);
  expect(reply.status).toBe(202);
  await runOf(id, reply)
    .result()
    .catch(() => undefined);
  return reply;
}

describe('trigger_crash_dump', () => {
  it('panics the guest, which saves a dump and reboots, and leaves the server ACTIVE and running', async () => {
    const id = await activeServer('dump-web');
    const reply = await dumped(id);
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

    expect((await dumped(locked)).status).toBe(202); // an admin passes the lock

    // A request that passed the API just before the server stopped is refused at its admission, with Nova's 409.
    const ctx = { requestId: `req-${randomUUID()}`, userId: 'admin', projectId: 'admin', isAdmin: true };
    const pastTheApi = new Operations(stack.client, stack.settings).start({
      workflow: triggerCrashDumpWorkflow,
      input: { instanceUuid: stopped, requester: ctx, settings: stack.settings },
      workflowId: serverTaskWorkflowId(stack.prefix, stopped, 'crash-dump', ctx.requestId),
      instanceUuid: stopped,
      operation: 'trigger_crash_dump',
      ctx,
      summary: 'trigger_crash_dump past the API',
      busyMessage: async () => 'busy',
    });
    await expect(pastTheApi).rejects.toMatchObject({
      status: 409,
      message: `Cannot 'trigger_crash_dump' instance ${stopped} while it is in vm_state stopped`,
    });
  });

  it('checks the host before the state, as Nova: an offloaded server is not ready', async () => {
    const id = await activeServer('dump-offloaded');
    expect((await api.action(id, { shelve: null })).status).toBe(202);
    await api.waitForStatus(id, 'SHELVED_OFFLOADED');
    expectNovaError(await dump(id), 409, 'conflictingRequest', `Instance ${id} is not ready`);
  });

  it('reaches a server waiting in VERIFY_RESIZE beside its resize, which still confirms', async () => {
    const id = await activeServer('dump-resized');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    await api.waitForStatus(id, 'VERIFY_RESIZE');
    await dumped(id);
    expect(await consoleOf(id)).toContain('Kernel panic');
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
    await api.waitForStatus(id, 'ACTIVE');
  });

  it("neither closes an operation's action nor is closed by one: a stop admitted while the NMI hangs", async () => {
    const id = await activeServer('dump-beside');
    const hv = await hypervisorOf(id);
    await hv.faults.set(HypervisorStep.TriggerCrashDump, { mode: 'slow', delayMs: 3000 });
    const reply = await dump(id);
    expect(reply.status).toBe(202);
    const stop = await api.action(id, { 'os-stop': null });
    expect(stop.status).toBe(202);
    await api.waitForStatus(id, 'SHUTOFF');
    await runOf(id, reply).result();
    expect(await actionOf(id, reply)).toMatchObject({ action: 'trigger_crash_dump', message: null });
    expect((await actionOf(id, reply)).events[0]).toMatchObject({ result: 'Success' });
    expect(await actionOf(id, stop)).toMatchObject({ action: 'stop', message: null });
  });

  it('takes a rescued guest down from its rescue disk and back to it', async () => {
    const id = await activeServer('dump-rescued');
    expect((await api.action(id, { rescue: null })).status).toBe(200);
    await api.waitForStatus(id, 'RESCUE');
    await dumped(id);
    const output = await consoleOf(id);
    expect(output.slice(output.lastIndexOf('Kernel panic'))).toContain('booted from the rescue disk');
    expect((await api.get(`/v2.1/servers/${id}`)).body.server.status).toBe('RESCUE');
  });

  it('holds the NMI of a paused guest until it is unpaused, when it panics', async () => {
    const id = await activeServer('dump-paused');
    expect((await api.action(id, { pause: null })).status).toBe(202);
    await api.waitForStatus(id, 'PAUSED');
    const before = await consoleOf(id);
    await dumped(id);
    expect(await consoleOf(id)).toBe(before);
    expect((await api.action(id, { unpause: null })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
    expect(await consoleOf(id)).toContain('Kernel panic');
  });

  it('accepts a dump for a host that is down, then records that the host never took it', async () => {
    const id = await activeServer('dump-host-down');
    const [row] = await stack.sql<{ host: string }[]>`SELECT host FROM instances WHERE uuid = ${id}`;
    await stack.stopHost(row!.host);
    try {
      const reply = await dumped(id);
      const action = await actionOf(id, reply);
      expect(action.message).toBe('Error');
      expect(action.events[0]).toMatchObject({ event: 'compute_trigger_crash_dump', result: 'Error' });
    } finally {
      await stack.startHost({ name: row!.host });
    }
  }, 60_000);

  it('accepts, then records the error and the fault, when the host fails the NMI; the server is unchanged', async () => {
    const id = await activeServer('dump-refused');
    await (await hypervisorOf(id)).faults.set(HypervisorStep.TriggerCrashDump, { mode: 'fail' });
    const reply = await dumped(id);
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
    expect((await runOf(id, reply).describe()).status.name).toBe('FAILED');
  });

  it('refuses an unknown server with 404', async () => {
    const reply = await dump(CIRROS);
    expectNovaError(reply, 404, 'itemNotFound', `Instance ${CIRROS} could not be found.`);
  });
});
