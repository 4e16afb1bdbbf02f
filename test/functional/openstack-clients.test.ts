import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { guestPasswordMatches } from '../../activities/compute/guest-password';
import { installOpenStackClients, openrc, openstackJson, runClient, runSdkScript } from '../support/openstack-clients';
import { CIRROS } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// The real OpenStack clients from PyPI (openstacksdk, python-openstackclient), unmodified, against the
// service in keystone mode: what an operator's scripts and the `openstack` CLI see.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB demo@laptop';

let stack: TestStack;
let admin: Record<string, string>;
let demo: Record<string, string>;

beforeAll(async () => {
  installOpenStackClients();
  stack = await startTestStack({ hosts: [{ name: 'host-a' }, { name: 'host-b' }], auth: { strategy: 'keystone' } });
  admin = openrc(stack.baseUrl, 'admin', 'admin', 'admin');
  demo = openrc(stack.baseUrl, 'demo', 'demo', 'demo');
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe('openstacksdk', () => {
  it('drives a server through every compute operation and reads back migrations and actions', async () => {
    const { run, steps } = await runSdkScript('sdk_compute_lifecycle.py', { ...admin, NOVA_TEST_IMAGE: CIRROS });
    const byStep = new Map(steps.map((s) => [s['step'], s]));
    expect(byStep.get('error')).toBeUndefined();
    expect(run.code).toBe(0);

    expect(byStep.get('discovery')).toMatchObject({ max_microversion: expect.stringMatching(/^2\.\d+$/) });
    const sequence = steps.filter((s) => 'status' in s).map((s) => [s['step'], s['status']]);
    expect(sequence).toEqual([
      ['create', 'ACTIVE'],
      ['stop', 'SHUTOFF'],
      ['start', 'ACTIVE'],
      ['reboot', 'ACTIVE'],
      ['pause', 'PAUSED'],
      ['unpause', 'ACTIVE'],
      ['suspend', 'SUSPENDED'],
      ['resume', 'ACTIVE'],
      ['migrate', 'VERIFY_RESIZE'],
      ['confirm', 'ACTIVE'],
      ['resize', 'VERIFY_RESIZE'],
      ['revert', 'ACTIVE'],
      ['live-migrate', 'ACTIVE'],
      ['rescue', 'RESCUE'],
      ['unrescue', 'ACTIVE'],
    ]);
    const host = (step: string) => byStep.get(step)?.['host'];
    expect(host('migrate')).not.toBe(host('resume'));
    expect(host('live-migrate')).not.toBe(host('revert'));
    expect(byStep.get('resize')).toMatchObject({ flavor: 'm1.small' });
    expect(byStep.get('revert')).toMatchObject({ flavor: 'm1.tiny' });

    expect(byStep.get('conflict')).toMatchObject({
      http_status: 409,
      message: expect.stringContaining("Cannot 'confirmResize' instance"),
    });
    expect(byStep.get('migrations')?.['records']).toEqual([
      ['live-migration', 'completed'],
      ['migration', 'confirmed'],
      ['resize', 'reverted'],
    ]);
    expect(byStep.get('actions')?.['names']).toEqual(
      expect.arrayContaining([
        'create',
        'stop',
        'migrate',
        'confirmResize',
        'resize',
        'revertResize',
        'live-migration',
      ]),
    );
    expect(byStep.get('deleted')).toEqual({ step: 'deleted', http_status: 404 });
  }, 240_000);
});

describe('openstack CLI', () => {
  it('lists flavors, hypervisors and zones', async () => {
    const flavors = (await openstackJson(['flavor', 'list'], admin)) as { Name: string; VCPUs: number }[];
    expect(flavors.map((f) => f.Name)).toEqual(expect.arrayContaining(['m1.tiny', 'm1.small']));
    const hypervisors = (await openstackJson(['hypervisor', 'list'], admin)) as Record<string, unknown>[];
    expect(hypervisors.map((h) => h['Hypervisor Hostname']).sort()).toEqual(['host-a', 'host-b']);
    const zones = (await openstackJson(['availability', 'zone', 'list', '--compute'], admin)) as Record<
      string,
      unknown
    >[];
    expect(zones).toEqual([expect.objectContaining({ 'Zone Name': 'nova', 'Zone Status': 'available' })]);
  }, 60_000);

  it('boots a server by image and flavor name, lists it with its image, renames, reads its console, dumps, backs up, locks, resets, sets and clears its password and deletes it', async () => {
    const created = (await openstackJson(
      [
        'server',
        'create',
        '--image',
        'cirros-0.6.2-x86_64-disk',
        '--flavor',
        'm1.tiny',
        '--nic',
        'none',
        '--wait',
        'osc-vm',
      ],
      demo,
    )) as Record<string, unknown>;
    expect(created).toMatchObject({ name: 'osc-vm', status: 'ACTIVE' });
    const listed = (await openstackJson(['server', 'list'], demo)) as Record<string, unknown>[];
    expect(listed).toEqual([
      expect.objectContaining({
        Name: 'osc-vm',
        Status: 'ACTIVE',
        Image: 'cirros-0.6.2-x86_64-disk',
        Flavor: 'm1.tiny',
      }),
    ]);
    const images = (await openstackJson(['image', 'list'], demo)) as Record<string, unknown>[];
    expect(images.map((i) => i['Name'])).toContain('cirros-0.6.2-x86_64-disk');

    const set = ['server', 'set', '--name', 'osc-renamed', '--description', 'web tier', '--property', 'role=web'];
    const at219 = { ...demo, OS_COMPUTE_API_VERSION: '2.19' };
    expect((await runClient('openstack', [...set, 'osc-vm'], at219)).code).toBe(0);
    const shown = (await openstackJson(['server', 'show', 'osc-renamed'], at219)) as Record<string, unknown>;
    expect(shown).toMatchObject({ name: 'osc-renamed', description: 'web tier', status: 'ACTIVE' });
    expect(JSON.stringify(shown['properties'])).toContain('role');

    const consoleLog = await runClient('openstack', ['console', 'log', 'show', '--lines', '1', 'osc-renamed'], demo);
    // The guest booted before the rename: its console shows the name it booted with.
    expect([consoleLog.code, consoleLog.stdout.trim()]).toEqual([0, 'osc-vm login:']);
    expect((await runClient('openstack', ['server', 'dump', 'create', 'osc-renamed'], demo)).code).toBe(0);
    const dumped = await runClient('openstack', ['console', 'log', 'show', 'osc-renamed'], demo);
    expect(dumped.stdout).toContain('kdump: saving vmcore complete');

    const backupArgs = ['server', 'backup', 'create', '--type', 'daily', '--rotate', '1', '--wait', '--name'];
    const backup = (name: string) => openstackJson([...backupArgs, name, 'osc-renamed'], demo);
    expect(await backup('osc-daily-1')).toMatchObject({ name: 'osc-daily-1' });
    const first = (await openstackJson(['image', 'show', 'osc-daily-1'], demo)) as Record<string, unknown>;
    expect(first).toMatchObject({ status: 'active', visibility: 'private' });
    expect(first['properties']).toMatchObject({ image_type: 'backup', backup_type: 'daily' });
    expect(await backup('osc-daily-2')).toMatchObject({ name: 'osc-daily-2' });
    const gone = await runClient('openstack', ['image', 'show', 'osc-daily-1'], demo);
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringContaining('No Image found for osc-daily-1')]);

    const at273 = { ...demo, OS_COMPUTE_API_VERSION: '2.73' };
    expect((await runClient('openstack', ['server', 'lock', '--reason', 'freeze', 'osc-renamed'], at273)).code).toBe(0);
    const locked = (await openstackJson(['server', 'show', 'osc-renamed'], at273)) as Record<string, unknown>;
    expect(locked).toMatchObject({ locked: true, locked_reason: 'freeze' });
    const lockedOnly = (await openstackJson(['server', 'list', '--locked'], at273)) as Record<string, unknown>[];
    expect(lockedOnly.map((s) => s['Name'])).toEqual(['osc-renamed']);
    expect(await openstackJson(['server', 'list', '--unlocked'], at273)).toEqual([]);
    const refused = await runClient('openstack', ['server', 'delete', 'osc-renamed'], demo);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('is locked');
    expect((await runClient('openstack', ['server', 'unlock', 'osc-renamed'], demo)).code).toBe(0);

    const id = created['id'] as string;
    const resetByMember = await runClient(
      'openstack',
      ['server', 'set', '--auto-approve', '--state', 'error', id],
      demo,
    );
    expect(resetByMember.stderr).toContain('os-admin-actions:reset_state');
    expect(
      (await runClient('openstack', ['server', 'set', '--auto-approve', '--state', 'error', id], admin)).code,
    ).toBe(0);
    expect(await openstackJson(['server', 'show', 'osc-renamed'], demo)).toMatchObject({ status: 'ERROR' });
    expect(
      (await runClient('openstack', ['server', 'set', '--auto-approve', '--state', 'active', id], admin)).code,
    ).toBe(0);
    expect(await openstackJson(['server', 'show', 'osc-renamed'], demo)).toMatchObject({ status: 'ACTIVE' });

    expect((await runClient('openstack', ['server', 'set', '--password', 'osc-S3cret!', id], demo)).code).toBe(0);
    const [placed] = await stack.sql<{ host: string }[]>`SELECT host FROM instances WHERE uuid = ${id}`;
    const guest = await stack.hypervisor(placed!.host).getGuest(id);
    expect(guestPasswordMatches(guest?.adminPassword, 'osc-S3cret!')).toBe(true);
    // The guest posts its own (encrypted) password; `--no-password` makes the service forget it.
    const proxy = stack.metadataProxy(placed!.host);
    expect((await proxy.post(id, '/openstack/latest/password', 'b3NjLXBvc3RlZA==')).status).toBe(200);
    expect((await proxy.get(id, '/openstack/latest/password')).text()).toBe('b3NjLXBvc3RlZA==');
    expect((await runClient('openstack', ['server', 'set', '--no-password', id], demo)).code).toBe(0);
    expect((await proxy.get(id, '/openstack/latest/password')).text()).toBe('');

    expect((await runClient('openstack', ['server', 'delete', '--wait', 'osc-renamed'], demo)).code).toBe(0);
    expect(await openstackJson(['server', 'list'], demo)).toEqual([]);
  }, 120_000);

  it('soft-deletes, restores and force-deletes a server while a reclaim interval is set', async () => {
    stack.settings.reclaimInstanceIntervalMs = 60_000;
    try {
      const boot = ['server', 'create', '--image', 'cirros-0.6.2-x86_64-disk', '--flavor', 'm1.tiny', '--nic', 'none'];
      const server = (await openstackJson([...boot, '--wait', 'osc-deferred'], demo)) as Record<string, unknown>;
      // A SOFT_DELETED server is left out of lists, as in Nova: the client finds it by its ID only.
      const id = server['id'] as string;
      expect((await runClient('openstack', ['server', 'delete', 'osc-deferred'], demo)).code).toBe(0);
      const statusOf = async () =>
        ((await openstackJson(['server', 'show', id], demo)) as Record<string, unknown>)['status'];
      for (let i = 0; i < 50 && (await statusOf()) !== 'SOFT_DELETED'; i++) await sleep(200);
      expect(await statusOf()).toBe('SOFT_DELETED');

      expect((await runClient('openstack', ['server', 'restore', id], demo)).code).toBe(0);
      for (let i = 0; i < 50 && (await statusOf()) !== 'ACTIVE'; i++) await sleep(200);
      expect(await statusOf()).toBe('ACTIVE');

      const forced = await runClient('openstack', ['server', 'delete', '--force', '--wait', id], demo);
      expect(forced.code).toBe(0);
      expect(await openstackJson(['server', 'list'], demo)).toEqual([]);
    } finally {
      stack.settings.reclaimInstanceIntervalMs = 0;
    }
  }, 120_000);

  it('imports, lists and deletes a key pair', async () => {
    const keyFile = path.join(os.tmpdir(), `osc-key-${process.pid}.pub`);
    writeFileSync(keyFile, `${ED25519}\n`);
    const created = (await openstackJson(['keypair', 'create', '--public-key', keyFile, 'laptop'], demo)) as Record<
      string,
      unknown
    >;
    expect(created).toMatchObject({
      name: 'laptop',
      fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
    });
    const listed = (await openstackJson(['keypair', 'list'], demo)) as Record<string, unknown>[];
    expect(listed).toEqual([expect.objectContaining({ Name: 'laptop', Fingerprint: created['fingerprint'] })]);
    expect((await runClient('openstack', ['keypair', 'delete', 'laptop'], demo)).code).toBe(0);
    expect(await openstackJson(['keypair', 'list'], demo)).toEqual([]);
  }, 60_000);

  it("sets and shows a project's compute quotas", async () => {
    expect(
      (await runClient('openstack', ['quota', 'set', '--instances', '7', '--cores', '9', 'demo'], admin)).code,
    ).toBe(0);
    const quotas = (await openstackJson(['quota', 'show', '--compute', 'demo'], admin)) as {
      Resource: string;
      Limit: number;
    }[];
    const limit = (name: string) => quotas.find((q) => q.Resource === name)?.Limit;
    expect([limit('instances'), limit('cores'), limit('ram')]).toEqual([7, 9, 51200]);
  }, 60_000);

  it('refuses admin-only reads to a member with the policy message the CLI shows', async () => {
    const run = await runClient('openstack', ['hypervisor', 'list', '-f', 'json'], demo);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/403|Policy doesn't allow/);
  }, 60_000);

  it('rejects a wrong password with 401 before any compute call', async () => {
    const run = await runClient('openstack', ['flavor', 'list'], { ...admin, OS_PASSWORD: 'wrong' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/401|authentication/i);
  }, 60_000);
});
