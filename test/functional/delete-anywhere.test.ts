import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';
import { expectAuditClean } from '../support/audit';
import { PRIMARY_AND_ALTERNATE } from '../support/host-pairs';

// Delete works from every state and in the middle of every long operation: it stops what runs, the operation
// undoes its own steps, and nothing is left anywhere: no guest or disk on any host, no claim for the server or
// its migrations, no shelve image. Servers start on host-a and move to host-b.
const HOSTS = PRIMARY_AND_ALTERNATE.map((h) => h.name);
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: PRIMARY_AND_ALTERNATE });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  for (const host of HOSTS) await stack.hypervisor(host).faults.clear();
});

const at = (version: string) => api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  await api.waitForStatus(id, 'ACTIVE');
  return id;
}

async function act(id: string, body: unknown): Promise<void> {
  const reply = await api.action(id, body);
  expect([200, 202, 204]).toContain(reply.status);
}

const hasTask = (task: string) => (s: any) => s['OS-EXT-STS:task_state'] === task;

async function expectNothingLeft(id: string, shelveImage?: string): Promise<void> {
  for (const host of HOSTS) expect(await stack.hypervisor(host).getGuest(id)).toBeUndefined();
  const claims = await stack.sql`
    SELECT a.host FROM allocations a
    WHERE a.consumer_uuid = ${id} OR a.consumer_uuid IN (SELECT uuid FROM server_migrations WHERE instance_uuid = ${id})`;
  expect(claims).toEqual([]);
  if (shelveImage) {
    const [image] = await stack.sql`SELECT status FROM images WHERE id = ${shelveImage}`;
    expect(image?.['status']).toBe('deleted');
  }
  await expectAuditClean(api);
}

async function deleteAndCheck(id: string): Promise<void> {
  const [row] = await stack.sql`SELECT shelved_image_id FROM instances WHERE uuid = ${id}`;
  const shelveImage = (row?.['shelved_image_id'] as string | null) ?? undefined;
  expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
  await api.waitForGone(id, 60_000);
  await expectNothingLeft(id, shelveImage);
}

interface Case {
  name: string;
  /** Brings a fresh ACTIVE server on host-a to the state the case deletes it in. */
  reach: (id: string) => Promise<void>;
}

const AT_REST: Case[] = [
  { name: 'SHUTOFF', reach: (id) => act(id, { 'os-stop': null }).then(() => api.waitForStatus(id, 'SHUTOFF')) },
  { name: 'PAUSED', reach: (id) => act(id, { pause: null }).then(() => api.waitForStatus(id, 'PAUSED')) },
  { name: 'SUSPENDED', reach: (id) => act(id, { suspend: null }).then(() => api.waitForStatus(id, 'SUSPENDED')) },
  { name: 'RESCUE', reach: (id) => act(id, { rescue: null }).then(() => api.waitForStatus(id, 'RESCUE')) },
  {
    name: 'SHELVED_OFFLOADED',
    reach: (id) => act(id, { shelve: null }).then(() => api.waitForStatus(id, 'SHELVED_OFFLOADED')),
  },
  {
    name: 'VERIFY_RESIZE',
    reach: (id) => act(id, { migrate: null }).then(() => api.waitForStatus(id, 'VERIFY_RESIZE')),
  },
  {
    name: 'ERROR after a failed rebuild, its guest still on the host',
    reach: async (id) => {
      await stack.hypervisor('host-a').faults.set(HypervisorStep.Rebuild, { mode: 'fail' });
      await act(id, { rebuild: { imageRef: (await api.get(`/v2.1/servers/${id}`)).body.server.image.id } });
      await api.waitForStatus(id, 'ERROR');
    },
  },
];

/** A step that hangs on a host, so the operation is caught in the middle when the delete arrives. */
function midway(
  name: string,
  host: string,
  step: HypervisorStep,
  body: unknown,
  task: string,
  before?: (id: string) => Promise<void>,
): Case {
  return {
    name,
    reach: async (id) => {
      await before?.(id);
      await stack.hypervisor(host).faults.set(step, { mode: 'hang' });
      await act(id, body);
      await api.waitForServer(id, hasTask(task));
    },
  };
}

const MID_OPERATION: Case[] = [
  midway(
    'a cold migration copying the disk',
    'host-a',
    HypervisorStep.MigrateDisk,
    { migrate: null },
    'resize_migrating',
  ),
  midway(
    'a migration finishing on the destination',
    'host-b',
    HypervisorStep.FinishMigration,
    { migrate: null },
    'resize_finish',
  ),
  midway(
    'a live migration that does not converge',
    'host-a',
    HypervisorStep.LiveMigrate,
    { 'os-migrateLive': { host: null, block_migration: 'auto' } },
    'migrating',
  ),
  midway('a resume', 'host-a', HypervisorStep.Resume, { resume: null }, 'resuming', (id) =>
    act(id, { suspend: null }).then(() => api.waitForStatus(id, 'SUSPENDED')),
  ),
  midway('a reboot', 'host-a', HypervisorStep.Reboot, { reboot: { type: 'HARD' } }, 'reboot_started_hard'),
];

describe.each(AT_REST)('a server in $name', ({ reach }) => {
  it('is deleted with everything it held', async () => {
    const id = await activeServer('at-rest');
    await reach(id);
    await deleteAndCheck(id);
  });
});

describe.each(MID_OPERATION)('a server in the middle of $name', ({ reach }) => {
  it('is deleted with everything it held, on both hosts', async () => {
    const id = await activeServer('midway');
    await reach(id);
    await deleteAndCheck(id);
  });
});

describe('a SHELVED server waiting for its offload', () => {
  it('is deleted with its guest, claim and shelve image', async () => {
    stack.settings.shelvedOffloadTimeMs = -1;
    const id = await activeServer('shelved');
    await act(id, { shelve: null });
    await api.waitForStatus(id, 'SHELVED');
    await deleteAndCheck(id);
  });

  it('is deleted mid-unshelve onto a host, with the half-spawned guest', async () => {
    stack.settings.shelvedOffloadTimeMs = 0;
    const id = await activeServer('unshelving');
    await act(id, { shelve: null });
    await api.waitForStatus(id, 'SHELVED_OFFLOADED');
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    expect((await at('2.91').action(id, { unshelve: { host: 'host-b' } })).status).toBe(202);
    await api.waitForServer(id, hasTask('spawning'));
    await deleteAndCheck(id);
  });
});
