import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { waitFor } from '../../worker/infra/ports';
import { expectAuditClean } from '../support/audit';
import { ApiClient } from '../support/http';
import { migrationsOf, resizedServer, waitForStepRunning } from '../support/move-crash';
import { startTestStack, type TestStack } from '../support/test-stack';

// Found by the chaos run: a confirmResize (or the implicit confirm of a delete) or a revertResize whose destroy
// failed on a host left that host's guest and disk behind for good, and a failed revert left its migration
// `reverting`. Now a failed revert ends like a failed confirm (ERROR with the fault, migration `error`, here back
// on the source), and every host's reports name its guests: the conductor answers with those that belong to no
// instance placed there and to no operation or unsettled migration, and the host reaps them (Nova's
// running_deleted_instance_action=reap). Guests a move still needs are never reaped.
const SRC = 'host-a';
const DST = 'host-b';
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: SRC, vcpus: 64, memoryMb: 65536 }, { name: DST }] });
  api = new ApiClient(stack.baseUrl);
});

afterEach(async () => {
  await stack.hypervisor(SRC).faults.clear();
  await stack.hypervisor(DST).faults.clear();
});

afterAll(async () => {
  await stack?.stop();
});

/** Resolves once `host` has sent `count` more reports (each one answered before the next is recorded). */
async function reports(host: string, count: number): Promise<void> {
  const seen = async () =>
    String((await stack.sql`SELECT last_seen_at FROM hosts WHERE name = ${host}`)[0]?.['last_seen_at']);
  for (let i = 0; i < count; i++) {
    const before = await seen();
    await waitFor(`a report from ${host}`, async () => (await seen()) !== before, 20_000);
  }
}

async function hasGuestAndDisk(host: string, id: string): Promise<boolean> {
  const hv = stack.hypervisor(host);
  return (await hv.getGuest(id)) !== undefined || (await hv.diskChecksum(id)) !== undefined;
}

async function waitForReaped(host: string, id: string): Promise<void> {
  await waitFor(`${host} to reap the guest of ${id}`, async () => !(await hasGuestAndDisk(host, id)), 30_000);
}

it('keeps the source guest of a resize awaiting confirmation, then reaps it once a failed confirm left it', async () => {
  const id = await resizedServer(api, 'confirm-leak', SRC, DST);
  // VERIFY_RESIZE: the instance lives on DST, but its source guest is what a revert needs.
  await reports(SRC, 3);
  expect(await stack.hypervisor(SRC).getGuest(id)).toBeDefined();

  await stack.hypervisor(SRC).faults.set(HypervisorStep.Destroy, { mode: 'fail' });
  expect((await api.action(id, { confirmResize: null })).status).toBe(204);
  const server = await api.waitForStatus(id, 'ERROR');
  expect(server).toMatchObject({ 'OS-EXT-SRV-ATTR:host': DST, flavor: { id: '2' } });
  expect(server.fault.message).toMatch(/failed step destroy/);
  expect((await migrationsOf(api, id))[0]?.status).toBe('error');
  // While the host cannot destroy it, the leftover stays (each report tries again).
  await reports(SRC, 2);
  expect(await hasGuestAndDisk(SRC, id)).toBe(true);

  await stack.hypervisor(SRC).faults.clear();
  await waitForReaped(SRC, id);
  expect(await stack.hypervisor(DST).getGuest(id)).toBeDefined();
  expect(await stack.hypervisor(DST).diskChecksum(id)).toBeDefined();
  await expectAuditClean(api);
  expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
  await api.waitForGone(id);
});

it('ends a revert whose destination destroy fails in ERROR on the source, then reaps the resized guest', async () => {
  const id = await resizedServer(api, 'revert-leak', SRC, DST);
  const sourceDisk = await stack.hypervisor(SRC).diskChecksum(id);
  await stack.hypervisor(DST).faults.set(HypervisorStep.Destroy, { mode: 'fail' });
  expect((await api.action(id, { revertResize: null })).status).toBe(202);
  const server = await api.waitForStatus(id, 'ERROR');
  expect(server).toMatchObject({ 'OS-EXT-SRV-ATTR:host': SRC, flavor: { id: '1' } });
  expect(server.fault.message).toMatch(/failed step destroy/);
  expect((await migrationsOf(api, id))[0]?.status).toBe('error');
  expect(await stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`).toEqual([{ host: SRC }]);
  await reports(DST, 2);
  expect(await hasGuestAndDisk(DST, id)).toBe(true);

  await stack.hypervisor(DST).faults.clear();
  await waitForReaped(DST, id);
  // The source guest the user reverted to is untouched.
  expect(await stack.hypervisor(SRC).diskChecksum(id)).toBe(sourceDisk);
  await expectAuditClean(api);
  // ERROR on the source with its guest: a hard reboot brings it back.
  expect((await api.action(id, { reboot: { type: 'HARD' } })).status).toBe(202);
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
});

it('keeps the destination guest of a live migration in progress across reports', async () => {
  const id = await api.createServer({ name: 'live-keep' });
  await api.waitForStatus(id, 'ACTIVE');
  // The destination guest runs; the source's destroy holds the migration before the instance moves.
  await stack.hypervisor(SRC).faults.set(HypervisorStep.Destroy, { mode: 'hang' });
  expect((await api.action(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } })).status).toBe(202);
  await waitFor(`the guest of ${id} on ${DST}`, async () => (await stack.hypervisor(DST).getGuest(id)) !== undefined);
  await waitForStepRunning(stack, id, 'destroy');
  expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host']).toBe(SRC);

  await reports(DST, 3);
  expect(await stack.hypervisor(DST).getGuest(id)).toBeDefined();

  await stack.hypervisor(SRC).faults.clear();
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(DST);
  expect(await stack.hypervisor(DST).getGuest(id)).toBeDefined();
  await reports(DST, 2);
  expect(await stack.hypervisor(DST).getGuest(id)).toBeDefined();
  await expectAuditClean(api);
});

it('ends the open migration of a server deleted after its resize run was terminated, and reaps the source guest', async () => {
  const id = await resizedServer(api, 'terminated-verify', SRC, DST);
  // An operator terminates the run in the Temporal UI: VERIFY_RESIZE stays with nobody left to confirm it.
  await stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id)).terminate('operator');
  expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
  await api.waitForGone(id);

  expect((await migrationsOf(api, id))[0]?.status).toBe('error');
  const claims = await stack.sql`
    SELECT a.host FROM allocations a
    WHERE a.consumer_uuid = ${id} OR a.consumer_uuid IN (SELECT uuid FROM server_migrations WHERE instance_uuid = ${id})`;
  expect(claims).toEqual([]);
  await waitForReaped(SRC, id);
  expect(await hasGuestAndDisk(DST, id)).toBe(false);
  await expectAuditClean(api);
});
