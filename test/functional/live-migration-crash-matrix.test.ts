import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { waitFor } from '../../worker/infra/ports';
import { CIRROS } from '../support/http';
import { DST, SRC, VICTIMS, crash, migrationsOf, useMoveCrashStack, waitForStepRunning } from '../support/move-crash';
import { expectAuditClean } from '../support/audit';

// Live migration with each process killed -9 during the disk copy and during the memory rounds, then
// restarted: the server ends up running on the destination with one copy of its disk and nothing leaked.
const env = useMoveCrashStack();

const LIVE = { 'os-migrateLive': { host: null, block_migration: 'auto' } };
const live = () => env.api.withHeaders({ 'OpenStack-API-Version': 'compute 2.80' });

/** Memory rounds are short activities; a `hang` switch only keeps them from converging. */
async function waitForMemoryRounds(id: string): Promise<void> {
  await waitFor('memory rounds with progress', async () => {
    const { migrations } = (await live().get(`/v2.1/servers/${id}/migrations`)).body;
    return migrations.some((m: { status: string; memory_processed_bytes: number }) => m.memory_processed_bytes > 0);
  });
}

const STEPS = [
  {
    phase: 'the disk copy',
    step: HypervisorStep.MigrateDisk,
    running: (id: string) => waitForStepRunning(env.stack, id, 'copyDiskLive'),
  },
  { phase: 'the memory rounds', step: HypervisorStep.LiveMigrate, running: waitForMemoryRounds },
];

describe.each(STEPS)('killed during $phase', ({ step, running }) => {
  it.each(VICTIMS)('the %s process: the server runs on the destination with one disk', async (victim) => {
    const id = await env.api.createServer({ name: `live-${step}-${victim}` });
    expect((await env.api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
    await env.stack.hypervisor(SRC).faults.set(step, { mode: 'hang' });
    expect((await live().action(id, LIVE)).status).toBe(202);
    await running(id);

    await crash(env.procs, victim, () => env.stack.hypervisor(SRC).faults.clear());

    const server = await env.api.waitForServer(
      id,
      (s) => s['OS-EXT-STS:task_state'] === null && s['OS-EXT-SRV-ATTR:host'] === DST,
      60_000,
    );
    expect(server).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:power_state': 1 });
    expect((await migrationsOf(env.api, id))[0]?.status).toBe('completed');
    expect(await env.stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`).toEqual([{ host: DST }]);
    await expectAuditClean(env.api);
    expect(await env.stack.hypervisor(DST).getGuest(id)).toMatchObject({ powerState: 1 });
    expect(await env.stack.hypervisor(DST).diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect(await env.stack.hypervisor(SRC).getGuest(id)).toBeUndefined();
    expect(await env.stack.hypervisor(SRC).diskChecksum(id)).toBeUndefined();
    const transfers = await fs.readdir(path.join(env.stack.dataDir, 'transfer')).catch(() => []);
    expect(transfers).toEqual([]);
    expect((await env.api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await env.api.waitForGone(id);
  });
});
