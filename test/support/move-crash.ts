import { temporal } from '@temporalio/proto';
import { instanceWorkflowId } from '../../domain/naming';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient } from './http';
import { TestProcesses } from './processes';
import { startTestStack, waitForHosts, type TestStack } from './test-stack';

// What the crash-matrix tests share: a conductor and two hosts as their own processes (so each can be killed
// -9), and the checks every move must pass afterwards. host-src is larger, so servers are created there.
export const SRC = 'host-src';
export const DST = 'host-dst';
export const VICTIMS = ['conductor', SRC, DST] as const;

/** Starts the conductor, host-src and host-dst as processes and waits for both hosts to report. */
export async function startMoveProcesses(stack: TestStack): Promise<TestProcesses> {
  const procs = new TestProcesses(stack);
  procs.start('conductor', { role: 'conductor' });
  procs.start(SRC, { role: 'compute', host: SRC, env: { NOVA_COMPUTE_VCPUS: '64', NOVA_COMPUTE_MEMORY_MB: '65536' } });
  procs.start(DST, { role: 'compute', host: DST });
  await waitForHosts(stack.sql, 2);
  return procs;
}

export interface MoveCrashStack {
  stack: TestStack;
  api: ApiClient;
  procs: TestProcesses;
}

/**
 * Registers the file's beforeAll/afterAll: a test stack whose conductor and two hosts run as processes. The
 * returned object is filled in once beforeAll has run.
 */
export function useMoveCrashStack(): MoveCrashStack {
  const env = {} as MoveCrashStack;
  beforeAll(async () => {
    // A killed process comes back in seconds, but a loaded 2-core machine can take longer than the stacks'
    // usual 10 s to start one: the matrix models a restart, not an outage (npm start's default is 60 s).
    env.stack = await startTestStack({
      hosts: [],
      inProcessConductor: false,
      settings: { computeScheduleToStartMs: 30_000 },
    });
    env.api = new ApiClient(env.stack.baseUrl);
    env.procs = await startMoveProcesses(env.stack);
  }, 120_000);
  afterAll(async () => {
    await env.procs?.stopAll();
    await env.stack?.stop();
  });
  return env;
}

/**
 * Waits until the instance's operation has `activityType` started on a worker (not merely scheduled), so a kill
 * lands inside that step rather than before it.
 */
export async function waitForStepRunning(stack: TestStack, instanceUuid: string, activityType: string): Promise<void> {
  const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, instanceUuid));
  const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
  await waitFor(`${activityType} to run for ${instanceUuid}`, async () => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    return pending.some((a) => a.activityType?.name === activityType && a.state === STARTED);
  });
}

/** kill -9 one process, let the hung step go on (`release`), and start the process again. */
export async function crash(procs: TestProcesses, victim: string, release: () => Promise<void>): Promise<void> {
  await procs.kill(victim);
  await release();
  procs.restart(victim);
}

/** The instance's migrations as an admin sees them in GET /os-migrations, newest first. */
export async function migrationsOf(api: ApiClient, instanceUuid: string): Promise<{ status: string }[]> {
  const reply = await api.get(`/v2.1/os-migrations?instance_uuid=${instanceUuid}`);
  expect(reply.status).toBe(200);
  return reply.body.migrations;
}

/** A server created on `from` and resized (flavor 2) to `to`, waiting in VERIFY_RESIZE. */
export async function resizedServer(api: ApiClient, name: string, from: string, to: string): Promise<string> {
  const id = await api.createServer({ name });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(from);
  expect((await api.action(id, { resize: { flavorRef: '2' } })).status).toBe(202);
  expect((await api.waitForStatus(id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host']).toBe(to);
  return id;
}
