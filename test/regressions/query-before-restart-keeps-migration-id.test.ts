import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { admissionQuery } from '../../workflows/admission';
import { expectAuditClean } from '../support/audit';
import { holdInstanceRow, waitForLockWaiters } from '../support/interrupt';
import { DST, SRC, crash, migrationsOf, useMoveCrashStack, waitForStepRunning } from '../support/move-crash';

// Found by the chaos run: a cold migration whose server got a 409 early on (the API queries the running
// operation's admission state to answer it) failed after a conductor restart with "Migration … could not be
// found", leaving the migration `finished` and the source guest behind. The OpenTelemetry interceptor made a
// span for each query with the workflow's seeded Math.random; queries are not in the history, so on replay the
// migration's uuid4() came out differently from the one the first execution had written.
const env = useMoveCrashStack();

it('a migration queried before its id is drawn still finds its record after the conductor restarts', async () => {
  const id = await env.api.createServer({ name: 'queried-then-restarted' });
  expect((await env.api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);

  // Hold the admission so that queries reach the run before it draws the migration's id.
  const held = await holdInstanceRow(env.stack.sql, id);
  const accepted = env.api.action(id, { migrate: null });
  await waitForLockWaiters(env.stack.sql, 1);
  const handle = env.stack.client.workflow.getHandle(instanceWorkflowId(env.stack.prefix, id));
  for (let i = 0; i < 5; i++) expect(await handle.query(admissionQuery)).toBe('pending');
  await env.stack.hypervisor(SRC).faults.set(HypervisorStep.MigrateDisk, { mode: 'hang' });
  await held.release();
  expect((await accepted).status).toBe(202);

  // The restarted conductor replays the run from its history, queries absent.
  await waitForStepRunning(env.stack, id, 'migrateDiskAndPowerOff');
  await crash(env.procs, 'conductor', () => env.stack.hypervisor(SRC).faults.clear());

  expect((await env.api.waitForStatus(id, 'VERIFY_RESIZE', 60_000))['OS-EXT-SRV-ATTR:host']).toBe(DST);
  expect((await env.api.action(id, { revertResize: null })).status).toBe(202);
  expect((await env.api.waitForStatus(id, 'ACTIVE', 60_000))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
  expect((await migrationsOf(env.api, id)).map((m) => m.status)).toEqual(['reverted']);
  await expectAuditClean(env.api);
});
