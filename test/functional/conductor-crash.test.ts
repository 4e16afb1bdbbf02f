import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient } from '../support/http';
import { TestProcesses } from '../support/processes';
import { startTestStack, waitForHosts, type TestStack } from '../support/test-stack';

// The conductor (workflows + every database write) runs as its own process here, so it can be killed -9.
const SAVING_LOCK = 4242;

let stack: TestStack;
let api: ApiClient;
let procs: TestProcesses;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }], inProcessConductor: false });
  api = new ApiClient(stack.baseUrl);
  procs = new TestProcesses(stack);
  procs.start('conductor', { role: 'conductor' });
  await waitForHosts(stack.sql, 1);
});

afterAll(async () => {
  await procs?.stopAll();
  await stack?.stop();
});

async function advisoryWaiters(): Promise<number> {
  const [row] = await stack.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'`;
  return row?.n ?? 0;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('conductor process', () => {
  it('resumes a create after being killed mid-operation: no stuck task_state, one claim', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    const id = await api.createServer({ name: 'survivor' });
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');

    await procs.kill('conductor');
    // The spawn finishes while no conductor runs; its result waits in Temporal for the next conductor.
    await stack.hypervisor('host-a').faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await api.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-STS:task_state']).toBe('spawning');
    procs.restart('conductor');

    const server = await api.waitForStatus(id, 'ACTIVE', 45_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('host-a');
    const claims = await stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`;
    expect(claims).toEqual([{ host: 'host-a' }]);
  });

  it('finishes a snapshot whose conductor died after local steps committed but before Temporal recorded them', async () => {
    const id = await api.createServer({ name: 'snapped' });
    await api.waitForStatus(id, 'ACTIVE');
    // The image's move to `saving` waits on a lock the test holds: by then the admission and two task_state
    // changes of the same workflow task have committed, and none is in the history yet.
    const held = await stack.sql.reserve();
    await held`SELECT pg_advisory_lock(${SAVING_LOCK})`;
    await stack.sql.unsafe(`
      CREATE FUNCTION wait_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(${SAVING_LOCK}); RETURN NEW; END $$;
      CREATE TRIGGER saving_waits BEFORE UPDATE ON images FOR EACH ROW
      WHEN (NEW.status = 'saving') EXECUTE FUNCTION wait_for_test()`);
    try {
      const reply = api
        .withHeaders({ 'OpenStack-API-Version': 'compute 2.45' })
        .action(id, { createImage: { name: 'crash-snap' } });
      await waitUntil(async () => (await advisoryWaiters()) > 0);

      await procs.kill('conductor');
      await held`SELECT pg_advisory_unlock(${SAVING_LOCK})`;
      procs.restart('conductor');

      // Temporal runs the workflow task again on the new process: its local steps run again, in order.
      const accepted = await reply;
      expect(accepted.status).toBe(202);
      const server = await api.waitForStatus(id, 'ACTIVE', 45_000);
      expect(server.fault).toBeUndefined();
      const images = await stack.sql`SELECT status FROM images WHERE id = ${accepted.body.image_id as string}`;
      expect(images).toEqual([{ status: 'active' }]);
    } finally {
      held.release();
      await stack.sql.unsafe('DROP TRIGGER IF EXISTS saving_waits ON images; DROP FUNCTION IF EXISTS wait_for_test()');
    }
  });

  it('admits a stop while a fresh conductor process serves', async () => {
    const id = await api.createServer({ name: 'after-restart' });
    await api.waitForStatus(id, 'ACTIVE');
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(id, 'SHUTOFF');
    // The admission recorded its outcome in its own transaction (one clock: now() is the transaction's start).
    const recorded = await stack.sql<{ same_transaction: boolean }[]>`
      SELECT r.recorded_at = a.start_time AS same_transaction
      FROM instance_actions a JOIN step_results r ON r.run_id = a.run_id::uuid
      WHERE a.instance_uuid = ${id} AND a.action = 'stop' AND r.activity_type = 'admitOperation'`;
    expect(recorded).toEqual([{ same_transaction: true }]);
  });
});
