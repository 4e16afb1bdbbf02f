import { spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// nova-admin as an operator runs it: its own process, Temporal for operations, the compute API with a Keystone
// token for actions, fault switches in the data directory.
const CLI = path.resolve(__dirname, '..', '..', 'cli', 'nova-admin.js');

let stack: TestStack;
let api: ApiClient;

type Run = { code: number | null; stdout: string; stderr: string };

function novaAdmin(...args: string[]): Promise<Run> {
  return novaAdminWithInput(undefined, ...args);
}

/** Runs nova-admin with `input` on its stdin (an operator answering a prompt); stdin is closed without it. */
function novaAdminWithInput(input: string | undefined, ...args: string[]): Promise<Run> {
  return startNovaAdmin(input, ...args).done;
}

/** Starts nova-admin; `seen()` is what it has printed so far, `done` its end. */
function startNovaAdmin(input: string | undefined, ...args: string[]): { seen(): Run; done: Promise<Run> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env['PATH'],
      TEMPORAL_ADDRESS: process.env['TEMPORAL_ADDRESS'],
      NOVA_QUEUE_PREFIX: stack.settings.queuePrefix,
      NOVA_DATA_DIR: stack.dataDir,
      OS_AUTH_URL: `${stack.baseUrl}/identity/v3`,
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'admin',
      OS_PROJECT_NAME: 'admin',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { seen: () => ({ code: child.exitCode, stdout, stderr }), done };
}

async function token(): Promise<string> {
  const reply = await new ApiClient(stack.baseUrl).post('/identity/v3/auth/tokens', {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin' } },
      },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
  return reply.headers.get('x-subject-token')!;
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }, { name: 'host-b' }], auth: { strategy: 'keystone' } });
  api = new ApiClient(stack.baseUrl).as(await token());
});

afterAll(async () => {
  await stack?.stop();
});

it("lists an instance's operations with their state, as a table and as JSON", async () => {
  const id = await api.createServer({ name: 'cli-1' });
  await api.waitForStatus(id, 'ACTIVE');
  const json = await novaAdmin('operations', '--instance', id, '--json');
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual([
    expect.objectContaining({ operation: 'create', status: 'COMPLETED', workflow: expect.stringContaining(id) }),
  ]);
  const table = await novaAdmin('operations', '--instance', id);
  expect(table.stdout.split('\n')[0]).toMatch(/^operation\s+status\s+step\s+host/);
  expect(table.stdout).toMatch(/create\s+COMPLETED/);
  expect((await novaAdmin('operations', '--instance', 'not-a-uuid')).stderr).toContain('expected a server UUID');
}, 60_000);

it('sets a fault switch, retries the migration it failed, and follows the retry to VERIFY_RESIZE', async () => {
  const id = await api.createServer({ name: 'cli-2' });
  const server = await api.waitForStatus(id, 'ACTIVE');
  const other = server['OS-EXT-SRV-ATTR:host'] === 'host-a' ? 'host-b' : 'host-a';
  const set = await novaAdmin('fault', 'set', other, 'finishMigration', 'abort', '--times', '1');
  expect(set.code).toBe(0);
  const shown = await novaAdmin('fault', 'show', other, '--json');
  expect(JSON.parse(shown.stdout)).toEqual([{ step: 'finishMigration', mode: 'abort', times: 1 }]);

  expect((await api.action(id, { migrate: null })).status).toBe(202);
  await waitFor('the migration to fail', async () => {
    const { body } = await api.get(`/v2.1/os-migrations?instance_uuid=${id}`);
    return body.migrations.some((m: any) => m.status === 'error');
  });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(server['OS-EXT-SRV-ATTR:host']);

  const retried = await novaAdmin('retry', id);
  expect(retried.code).toBe(0);
  expect(retried.stdout).toMatch(new RegExp(`^retried migration \\d+: VERIFY_RESIZE on ${other}`));
  expect((await novaAdmin('retry', id)).stdout).toMatch(/is finished, not failed/);
  expect((await api.action(id, { confirmResize: null })).status).toBe(204);
}, 90_000);

it('cancels a running operation and waits for its rollback', async () => {
  await novaAdmin('fault', 'set', 'host-a', 'spawn', 'hang');
  await novaAdmin('fault', 'set', 'host-b', 'spawn', 'hang');
  const id = await api.createServer({ name: 'cli-3' });
  await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');
  const running = JSON.parse((await novaAdmin('operations', '--instance', id, '--running', '--json')).stdout);
  expect(running).toEqual([
    expect.objectContaining({ operation: 'create', status: 'RUNNING', step: expect.stringMatching(/^spawn/) }),
  ]);

  const cancelled = await novaAdmin('cancel', id);
  expect(cancelled.stdout).toMatch(/createServerWorkflow (cancelled|failed)/);
  await novaAdmin('fault', 'clear', 'host-a');
  await novaAdmin('fault', 'clear', 'host-b');
  const after = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
  expect(after.status).toBe('ERROR');
  expect((await novaAdmin('cancel', id)).stdout).toContain('no operation is running');
}, 90_000);

it('runs the allocation audit and says clean when nothing leaked', async () => {
  const audit = await novaAdmin('audit');
  expect(audit.code).toBe(0);
  expect(audit.stdout.trim().split('\n').at(-1)).toBe('clean');
}, 60_000);

describe('watch', () => {
  afterEach(async () => {
    await novaAdmin('fault', 'clear', 'host-a');
    await novaAdmin('fault', 'clear', 'host-b');
  });

  it('follows a create to its end with a status line and exits 0', async () => {
    await novaAdmin('fault', 'set', 'host-a', 'spawn', 'hang');
    await novaAdmin('fault', 'set', 'host-b', 'spawn', 'hang');
    const id = await api.createServer({ name: 'cli-watch' });
    const watch = startNovaAdmin(undefined, 'watch', id);
    // Not a terminal: one status line per sample, with the task_state, a bar and the host's step.
    const spawning = /^create {2}spawning {2}\[[#.-]{20}\] .* {2}spawn cli-watch on host-[ab] {2}\(host-[ab], \d+s\)$/m;
    await waitFor('watch to show the spawn', async () => spawning.test(watch.seen().stderr), 60_000);
    expect(watch.seen().code).toBeNull();
    await novaAdmin('fault', 'clear', 'host-a');
    await novaAdmin('fault', 'clear', 'host-b');
    const watched = await watch.done;
    expect(watched.code).toBe(0);
    expect(watched.stdout.trim()).toBe('create completed');
    expect((await api.waitForStatus(id, 'ACTIVE')).status).toBe('ACTIVE');
  }, 120_000);

  it('exits 1 with the failure when the operation fails, and emits JSON samples on request', async () => {
    await novaAdmin('fault', 'set', 'host-a', 'spawn', 'fail');
    await novaAdmin('fault', 'set', 'host-b', 'spawn', 'fail');
    const id = await api.createServer({ name: 'cli-watch-fail' });
    const watched = await novaAdmin('watch', id, '--json');
    expect(watched.code).toBe(1);
    const lines = watched.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({ exitCode: 1, message: expect.stringMatching(/^create failed at ".*": .+/) });
    expect(lines.at(-2)).toMatchObject({
      status: 'FAILED',
      progress: { operation: 'create', instanceUuid: id, taskState: null },
    });
    expect((await novaAdmin('watch', '00000000-0000-4000-8000-000000000000')).stdout).toContain(
      'no operation recorded',
    );
  }, 120_000);

  it('stops at VERIFY_RESIZE, where the operation waits for the operator', async () => {
    const id = await api.createServer({ name: 'cli-watch-migrate' });
    await api.waitForStatus(id, 'ACTIVE');
    expect((await api.action(id, { migrate: null })).status).toBe(202);
    const watched = await novaAdmin('watch', id);
    expect(watched.code).toBe(0);
    expect(watched.stdout.trim()).toBe('migrate: waiting for confirmResize or revertResize');
    expect((await api.action(id, { confirmResize: null })).status).toBe(204);
  }, 120_000);
});

describe('audit --fix', () => {
  it('lists leaked and missing allocations, changes nothing when declined, and repairs them when confirmed', async () => {
    const id = await api.createServer({ name: 'cli-audit' });
    const server = await api.waitForStatus(id, 'ACTIVE');
    const host: string = server['OS-EXT-SRV-ATTR:host'];
    // The damage a crash outside any workflow could leave: a claim nobody holds, a server without its claim.
    const leaked = '11111111-2222-4333-8444-555555555555';
    await stack.sql`INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
                    VALUES (${leaked}, 'host-a', 2, 2048, 20)`;
    const [claim] = await stack.sql`DELETE FROM allocations WHERE consumer_uuid = ${id} RETURNING *`;

    const audit = await novaAdmin('audit');
    expect(audit.code).toBe(2);
    expect(audit.stdout).toMatch(new RegExp(`orphaned allocation +${leaked} +host-a +no such consumer`));
    expect(audit.stdout).toMatch(new RegExp(`missing allocation +${id} +${host}`));

    const declined = await novaAdminWithInput('n\n', 'audit', '--fix');
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('Repair 2 allocation finding(s) through the conductor? [y/N]');
    expect(declined.stdout.trim().split('\n').at(-1)).toBe('nothing changed');
    expect(await stack.sql`SELECT 1 FROM allocations WHERE consumer_uuid = ${leaked}`).toHaveLength(1);

    const fixed = await novaAdmin('audit', '--fix', '--yes', '--json');
    expect(fixed.code).toBe(0);
    const report = JSON.parse(fixed.stdout);
    expect(report.repaired).toEqual(
      expect.arrayContaining([
        { finding: 'orphaned allocation', subject: leaked, host: 'host-a', detail: 'removed' },
        { finding: 'missing allocation', subject: id, host, detail: 'restored' },
      ]),
    );
    expect(report.after).toEqual({ orphaned_allocations: [], missing_allocations: [], overcommitted_hosts: [] });
    const [restored] = await stack.sql`SELECT * FROM allocations WHERE consumer_uuid = ${id}`;
    expect(restored).toMatchObject({ host, vcpus: claim!['vcpus'], memory_mb: claim!['memory_mb'] });
    expect(await stack.sql`SELECT 1 FROM allocations WHERE consumer_uuid = ${leaked}`).toHaveLength(0);

    // The repair endpoint itself: a finding that no longer holds is skipped, not forced.
    const again = await api.post('/v2.1/os-allocation-audit/repair', {
      missing_allocations: [{ instance_uuid: id, host }],
    });
    expect(again.status).toBe(200);
    expect(again.body.allocation_repair.missing_allocations).toEqual([{ instance_uuid: id, host, outcome: 'skipped' }]);
    const empty = await api.post('/v2.1/os-allocation-audit/repair', {});
    expect(empty.status).toBe(400);
    expect(empty.body.badRequest.message).toBe('No findings to repair were given.');
  }, 120_000);
});

it('marks a host down and up again through os-services', async () => {
  const down = await novaAdmin('host', 'down', 'host-b', '--reason', 'disk swap', '--json');
  expect(down.code).toBe(0);
  expect(JSON.parse(down.stdout)).toEqual([
    expect.objectContaining({ host: 'host-b', status: 'disabled', forced_down: true, disabled_reason: 'disk swap' }),
  ]);
  const { body } = await api
    .withHeaders({ 'OpenStack-API-Version': 'compute 2.53' })
    .get('/v2.1/os-services?host=host-b');
  expect(body.services[0]).toMatchObject({ status: 'disabled', state: 'down', forced_down: true });

  const up = await novaAdmin('host', 'up', 'host-b');
  expect(up.code).toBe(0);
  expect(up.stdout).toMatch(/^host-b +enabled +up +false/m);
  const unknown = await novaAdmin('host', 'down', 'host-zz');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no compute service on host host-zz');
}, 120_000);
