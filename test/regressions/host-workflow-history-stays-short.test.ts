import { temporal } from '@temporalio/proto';
import { localActivityOf } from '../../bench/history';
import { hostWorkflowId } from '../../domain/naming';
import { waitFor } from '../../worker/infra/ports';
import { REPORTS_PER_RUN } from '../../workflows/host-heartbeat';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run: after a conductor was killed, every host's workflow (2,400 events after 24 minutes of
// reports) took longer to replay than the workflow task timeout on the loaded machine; its reports stopped
// being recorded, every host counted as down and every create failed NoValidHost for minutes. A host's
// workflow now continues as new after a few reports (a few hundred events), so a conductor taking it over
// replays a short run.
const env = useTestStack({ hosts: [{ name: 'host-a' }], reportIntervalMs: 50 });
const { WorkflowExecutionStatus } = temporal.api.enums.v1;

it("a host's workflow continues as new after a few reports and its reports go on being recorded", async () => {
  const id = hostWorkflowId(env.stack.prefix, 'host-a');
  const firstRunId = (await env.stack.client.workflow.getHandle(id).describe()).runId;
  const firstRun = env.stack.client.workflow.getHandle(id, firstRunId);
  await waitFor('the first run to continue as new', async () => {
    const { raw } = await firstRun.describe();
    return raw.workflowExecutionInfo?.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW;
  });
  const rolledOverAt = Date.now();

  const events = (await firstRun.fetchHistory()).events ?? [];
  // Each report is a conductor step, recorded as its local activity's marker.
  const recorded = events.filter((e) => localActivityOf(e)?.type === 'recordHostReport').length;
  expect(recorded).toBe(REPORTS_PER_RUN);
  expect(events.length).toBeLessThanOrEqual(600); // a run replays in about a second

  await waitFor('a report recorded by the next run', async () => {
    const reply = await env.api.get('/v2.1/os-services?binary=nova-compute&host=host-a');
    const [service] = reply.body.services as { state: string; updated_at: string }[];
    return service?.state === 'up' && Date.parse(`${service.updated_at}Z`) > rolledOverAt;
  });
});
