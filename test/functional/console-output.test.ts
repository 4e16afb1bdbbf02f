import { randomUUID } from 'node:crypto';
import { ApiClient, expectNovaError } from '../support/http';
import { serverTaskRun } from '../support/server-task-run';
import { startTestStack, type TestStack } from '../support/test-stack';

const HOSTS = ['host-a', 'host-b'];

let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: HOSTS.map((name) => ({ name })) });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const at = (version: string) => api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  await api.waitForStatus(id, 'ACTIVE');
  return id;
}

async function consoleOf(id: string, body: unknown = {}): Promise<string> {
  const reply = await api.action(id, { 'os-getConsoleOutput': body });
  expect(reply.status).toBe(200);
  expect(Object.keys(reply.body)).toEqual(['output']);
  return reply.body.output as string;
}

async function act(id: string, action: string, status: string, body: unknown = null): Promise<void> {
  expect((await api.action(id, { [action]: body })).status).toBeLessThan(300);
  await api.waitForStatus(id, status);
}

const count = (text: string, what: string) => text.split(what).length - 1;

describe('os-getConsoleOutput', () => {
  it("shows the guest's boot on its host: kernel, cloud-init with its id and name, the login prompt", async () => {
    const id = await activeServer('console-web');
    const output = await consoleOf(id);
    expect(output).toContain('Linux version');
    expect(output).toContain(`cloud-init: instance-id: ${id}`);
    expect(output).toContain('cloud-init: local-hostname: console-web');
    expect(output.endsWith('console-web login: ')).toBe(true);

    expect(await consoleOf(id, { length: 2 })).toBe('\nconsole-web login: ');
    expect(await consoleOf(id, { length: '1' })).toBe('console-web login: ');
    expect(await consoleOf(id, { length: 0 })).toBe('');
    for (const all of [null, -1, '-1']) expect(await consoleOf(id, { length: all })).toBe(output);
    expect((await api.action(id, { 'os-getConsoleOutput': null })).status).toBe(400);
  });

  it('prints what power changes print: a power down, a boot, a restart; nothing for a pause or a suspend', async () => {
    const id = await activeServer('console-power');
    await act(id, 'os-stop', 'SHUTOFF');
    expect((await consoleOf(id)).endsWith('reboot: Power down\n')).toBe(true);
    await act(id, 'os-start', 'ACTIVE');
    await act(id, 'reboot', 'ACTIVE', { type: 'SOFT' });
    const rebooted = await consoleOf(id);
    expect(count(rebooted, 'login:')).toBe(3);
    expect(count(rebooted, 'reboot: Power down')).toBe(1);
    expect(count(rebooted, 'reboot: Restarting system')).toBe(1);
    await act(id, 'pause', 'PAUSED');
    await act(id, 'unpause', 'ACTIVE');
    await act(id, 'suspend', 'SUSPENDED');
    await act(id, 'resume', 'ACTIVE');
    expect(await consoleOf(id)).toBe(rebooted);
  });

  it('shows a rescued guest booting from the rescue disk, and from its own after unrescue', async () => {
    const id = await activeServer('console-rescue');
    await act(id, 'rescue', 'RESCUE');
    const rescued = await consoleOf(id, { length: 7 });
    expect(rescued).toContain('Booting from the rescue disk');
    expect(rescued).toContain('booted from the rescue disk');
    await act(id, 'unrescue', 'ACTIVE');
    expect(await consoleOf(id, { length: 3 })).toBe(
      'cloud-init: finished, booted from its own disk\n\nconsole-rescue login: ',
    );
  });

  it('reads the console where the guest is: a cold move boots it afresh there, a live one prints nothing', async () => {
    const id = await activeServer('console-moving');
    const admin = at('2.56');
    expect((await admin.action(id, { migrate: null })).status).toBe(202);
    await api.waitForStatus(id, 'VERIFY_RESIZE');
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
    await api.waitForStatus(id, 'ACTIVE');
    const afterCold = await consoleOf(id);
    expect(count(afterCold, 'login:')).toBe(1);
    expect(afterCold).not.toContain('Power down');

    expect((await at('2.30').action(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } })).status).toBe(
      202,
    );
    await api.waitForServer(id, (s) => s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null);
    expect(await consoleOf(id)).toBe('');
  });

  it('runs as a console task of the server, found in the UI by its instance', async () => {
    const id = await activeServer('console-run');
    const reply = await api.action(id, { 'os-getConsoleOutput': { length: 1 } });
    expect(await serverTaskRun(stack, id, 'console', reply)).toEqual({
      type: 'consoleOutputWorkflow',
      status: 'COMPLETED',
      instanceId: id,
      operation: 'console',
      summary: expect.stringMatching(/^read the console of server console-run on host-[ab], requested by admin$/),
    });
  });

  it.each([
    ['a length below -1', { length: -2 }, 'length'],
    ['a length that is no number', { length: 'all' }, 'length'],
    ['a fractional length', { length: 1.5 }, 'length'],
    ['an unknown field', { length: 1, lines: 2 }, 'os-getConsoleOutput'],
  ])('refuses %s with 400 naming the field', async (_what, body, field) => {
    const reply = await api.action(randomUUID(), { 'os-getConsoleOutput': body });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toMatch(new RegExp(`^Invalid input for field/attribute ${field}\\. `));
  });

  it("answers Nova's 404 for an unknown server and 409 for one on no host", async () => {
    const unknown = randomUUID();
    expectNovaError(
      await api.action(unknown, { 'os-getConsoleOutput': {} }),
      404,
      'itemNotFound',
      `Instance ${unknown} could not be found.`,
    );
    const id = await activeServer('console-offloaded');
    await act(id, 'shelve', 'SHELVED_OFFLOADED');
    expectNovaError(
      await api.action(id, { 'os-getConsoleOutput': {} }),
      409,
      'conflictingRequest',
      `Instance ${id} is not ready`,
    );
  });

  it("answers Nova's 404 when the host has no such guest", async () => {
    const id = await activeServer('console-lost-guest');
    const [row] = await stack.sql<{ host: string }[]>`SELECT host FROM instances WHERE uuid = ${id}`;
    const hv = stack.hypervisor(row!.host);
    await hv.destroy(id, { progress: () => undefined, signal: new AbortController().signal });
    expectNovaError(
      await api.action(id, { 'os-getConsoleOutput': {} }),
      404,
      'itemNotFound',
      `Instance ${id} could not be found.`,
    );
  });

  it('answers 409 when the host is down, not a 503 after the request deadline, and reads again once it is back', async () => {
    const id = await activeServer('console-host-down');
    const [server] = await stack.sql<{ host: string }[]>`SELECT host FROM instances WHERE uuid = ${id}`;
    const host = server!.host;
    await stack.stopHost(host);
    try {
      expectNovaError(
        await api.action(id, { 'os-getConsoleOutput': {} }),
        409,
        'conflictingRequest',
        `Compute service of ${host} is unavailable at this time.`,
      );
    } finally {
      await stack.startHost({ name: host });
    }
    expect(await consoleOf(id, { length: 1 })).toBe('console-host-down login: ');
  }, 60_000);
});
