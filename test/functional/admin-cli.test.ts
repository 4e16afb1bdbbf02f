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

function novaAdmin(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
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
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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
