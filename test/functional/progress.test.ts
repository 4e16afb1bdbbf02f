import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { HostKey, OperationKey, TaskStateKey } from '../../domain/search-attributes';
import { waitFor } from '../../worker/infra/ports';
import { progressQuery } from '../../workflows/progress';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// What an operator sees of a running operation without the database: the `progress` query, the search
// attributes the Temporal UI filters on, and the run's summary. Sizes make creates land on host-a.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 },
      { name: 'host-b', vcpus: 32, memoryMb: 32768, diskGb: 1000 },
    ],
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  for (const host of ['host-a', 'host-b']) await stack.hypervisor(host).faults.clear();
});

const handleOf = (id: string) => stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id));

async function listed(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of stack.client.workflow.list({ query })) ids.push(info.workflowId);
  return ids;
}

it('shows a cold migration step by step: copying on the source, then waiting for the decision on the destination', async () => {
  const id = await api.createServer({ name: 'watch-me' });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('host-a');
  await stack.hypervisor('host-a').faults.set(HypervisorStep.MigrateDisk, { mode: 'hang' });
  expect((await api.action(id, { migrate: null })).status).toBe(202);
  const handle = handleOf(id);

  await waitFor('the disk copy to be the current step', async () => {
    const p = await handle.query(progressQuery);
    return p.taskState === 'resize_migrating' && p.step.includes('copy its disk from host-a');
  });
  const copying = await handle.query(progressQuery);
  expect(copying).toMatchObject({ operation: 'migrate', instanceUuid: id, phase: 'running', host: 'host-a' });
  expect(Date.parse(copying.startedAt)).toBeLessThanOrEqual(Date.parse(copying.stepStartedAt));
  // The UI finds it by its task_state and by its source host while it copies.
  const workflowId = instanceWorkflowId(stack.prefix, id);
  await waitFor('TaskState to be searchable', async () =>
    (await listed(`TaskState = "resize_migrating" AND InstanceId = "${id}"`)).includes(workflowId),
  );
  expect(await listed(`Host = "host-a" AND ExecutionStatus = "Running" AND InstanceId = "${id}"`)).toEqual([
    workflowId,
  ]);

  await stack.hypervisor('host-a').faults.clear();
  await api.waitForStatus(id, 'VERIFY_RESIZE');
  await waitFor(
    'the run to wait for the decision',
    async () => (await handle.query(progressQuery)).phase === 'waiting',
  );
  const waiting = await handle.query(progressQuery);
  expect(waiting).toMatchObject({
    step: 'waiting for confirmResize or revertResize',
    taskState: null,
    host: 'host-b',
  });
  expect(waiting.stepsDone).toBeGreaterThan(5);

  const described = await handle.describe();
  expect(await described.staticSummary()).toBe('cold migrate server watch-me from host-a, requested by admin');
  expect(await described.staticDetails()).toContain(`instance: ${id}`);
  expect(described.typedSearchAttributes.get(TaskStateKey)).toBeUndefined();
  expect(described.typedSearchAttributes.get(HostKey)).toBe('host-b');
  expect(described.typedSearchAttributes.get(OperationKey)).toBe('migrate');
  expect((await api.action(id, { confirmResize: null })).status).toBe(204);
  await api.waitForStatus(id, 'ACTIVE');
}, 90_000);

it('tells the step a failed create ended on, with its task_state cleared', async () => {
  await stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
  await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'fail' });
  const id = await api.createServer({ name: 'doomed' });
  await api.waitForStatus(id, 'ERROR');
  const handle = handleOf(id);
  await waitFor('the run to close', async () => (await handle.describe()).status.name === 'FAILED');
  const last = await handle.query(progressQuery);
  expect(last).toMatchObject({ operation: 'create', phase: 'running', taskState: null });
  // The failure is recorded by the conductor after the clean-up of the last host tried.
  expect(last.step).toBe('conductor: fail task');
  // The README's "failed operations today" query, as the UI runs it.
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const failedQuery = `Operation IN ("create", "migrate") AND ExecutionStatus = "Failed" AND CloseTime > "${since}"`;
  await waitFor('the failed run to be listed', async () =>
    (await listed(failedQuery)).includes(instanceWorkflowId(stack.prefix, id)),
  );
  const described = await handle.describe();
  expect(await described.staticSummary()).toMatch(/^create server doomed \(.*\) with flavor .*, requested by admin$/);
}, 90_000);
