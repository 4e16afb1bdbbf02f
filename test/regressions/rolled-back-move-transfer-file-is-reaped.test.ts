import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { expectAuditClean } from '../support/audit';
import { migrationsOf, waitForStepRunning } from '../support/move-crash';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run ("transfer file transfer/<migration>.disk left behind"): a cold migration rolled back
// while its source host was unreachable. The rollback removes the disk copy from the transfer area on the source;
// that step failed, was only logged, and the copy stayed for good. Now every host reports the copies in the
// (shared) transfer area, the conductor names those of settled migrations or of none it knows, and the host
// removes them; a copy of a move still in progress is kept (an alternate destination may import it again).
const SRC = 'host-a';
const DST = 'host-b';
// Steps aimed at the stopped source give up after 3 s instead of the stack's usual 10 s.
const env = useTestStack({
  hosts: [{ name: SRC, vcpus: 64, memoryMb: 65536 }, { name: DST }],
  settings: { computeScheduleToStartMs: 3000 },
});

const transferFiles = (migrationUuid: string) =>
  [`${migrationUuid}.disk`, `${migrationUuid}.disk.partial`].map((f) => path.join(env.stack.dataDir, 'transfer', f));
const hasTransfer = (migrationUuid: string) => transferFiles(migrationUuid).some((f) => existsSync(f));

/** Resolves once `host` has sent `count` more reports (each one answered before the next is recorded). */
async function reports(host: string, count: number): Promise<void> {
  const seen = async () =>
    String((await env.stack.sql`SELECT last_seen_at FROM hosts WHERE name = ${host}`)[0]?.['last_seen_at']);
  for (let i = 0; i < count; i++) {
    const before = await seen();
    await waitFor(`a report from ${host}`, async () => (await seen()) !== before, 20_000);
  }
}

async function waitForRemoved(migrationUuid: string): Promise<void> {
  await waitFor(`the disk copy of ${migrationUuid} removed`, async () => !hasTransfer(migrationUuid), 30_000);
}

afterEach(async () => {
  await env.stack.hypervisor(SRC).faults.clear();
  await env.stack.hypervisor(DST).faults.clear();
});

it('removes the disk copy of a migration rolled back while its source host was down', async () => {
  const { stack, api } = env;
  const id = await api.createServer({ name: 'rolled-back' });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
  // The destination fails to start the copy and there is no alternate: the move rolls back, and the source's
  // power-on (the rollback's step before removing the copy) waits until the source is gone.
  await stack.hypervisor(DST).faults.set(HypervisorStep.FinishMigration, { mode: 'fail' });
  await stack.hypervisor(SRC).faults.set(HypervisorStep.PowerOn, { mode: 'hang' });
  expect((await api.action(id, { migrate: null })).status).toBe(202);
  await waitForStepRunning(stack, id, 'powerOn');
  const [migration] = await stack.sql<{ uuid: string; status: string }[]>`
    SELECT uuid::text, status FROM server_migrations WHERE instance_uuid = ${id}`;
  expect(migration!.status).not.toBe('error');
  // The move is not settled yet: the hosts' reports leave its copy alone.
  expect(hasTransfer(migration!.uuid)).toBe(true);
  await reports(DST, 2);
  expect(hasTransfer(migration!.uuid)).toBe(true);

  await stack.stopHost(SRC);
  await stack.hypervisor(SRC).faults.clear();
  await waitFor(
    `migration ${migration!.uuid} in error`,
    async () => (await migrationsOf(api, id))[0]?.status === 'error',
  );
  // The source is still down: the other host, which shares the transfer area, removes the copy.
  await waitForRemoved(migration!.uuid);

  await stack.startHost({ name: SRC, vcpus: 64, memoryMb: 65536 });
  expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host']).toBe(SRC);
  expect(await stack.hypervisor(SRC).diskChecksum(id)).toBeDefined();
  await expectAuditClean(api);
  expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
  await api.waitForGone(id);
});

it('removes a disk copy of a migration the database does not know', async () => {
  const unknown = randomUUID();
  const [whole, partial] = transferFiles(unknown);
  mkdirSync(path.dirname(whole!), { recursive: true });
  writeFileSync(whole!, 'left over');
  writeFileSync(partial!, 'left over');
  await waitForRemoved(unknown);
});
