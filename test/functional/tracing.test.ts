import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { computeQueue, conductorQueue, instanceWorkflowId } from '../../domain/naming';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, CIRROS } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// OpenTelemetry through the Temporal interceptors: the API's HTTP span, the workflow start, the workflow and
// every activity on the host that ran it belong to one trace, each span the child of the step that caused it.
const HOST = 'host-trace';
const exporter = new InMemorySpanExporter();
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: HOST }], tracing: { exporter } });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

function spansOf(traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
}

/** The names of a span and its ancestors, up to the trace's root. */
function ancestry(span: ReadableSpan, spans: ReadableSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const names: string[] = [];
  for (let s: ReadableSpan | undefined = span; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) {
    names.push(s.name);
  }
  return names;
}

async function createAndFinish(headers: Record<string, string> = {}): Promise<{ id: string; requestId: string }> {
  const reply = await api.withHeaders(headers).post('/v2.1/servers', {
    server: { name: 'traced', flavorRef: '1', imageRef: CIRROS, networks: 'none' },
  });
  expect(reply.status).toBe(202);
  const id = reply.body.server.id as string;
  await api.waitForStatus(id, 'ACTIVE');
  await stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id)).result();
  // A workflow's spans leave its sandbox through a sink once the workflow has finished.
  await waitFor('the workflow span', async () =>
    exporter.getFinishedSpans().some((s) => s.name === 'RunWorkflow:createServerWorkflow'),
  );
  return { id, requestId: reply.headers.get('x-openstack-request-id')! };
}

describe('a traced create', () => {
  it('is one trace from POST /v2.1/servers through the workflow to each activity on its host', async () => {
    const { id, requestId } = await createAndFinish();
    const http = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.SERVER && s.attributes['openstack.request_id'] === requestId);
    expect(http).toBeDefined();
    expect(http!.name).toBe('POST /v2.1/servers');
    expect(http!.parentSpanId).toBeUndefined();
    expect(http!.attributes).toMatchObject({ 'http.response.status_code': 202, 'nova.instance_uuid': id });

    const spans = spansOf(http!.spanContext().traceId);
    const run = spans.find((s) => s.name === 'RunWorkflow:createServerWorkflow');
    expect(run).toBeDefined();
    expect(ancestry(run!, spans)).toEqual([
      'RunWorkflow:createServerWorkflow',
      'UpdateWithStartWorkflow:admission',
      'POST /v2.1/servers',
    ]);

    const activities = spans.filter((s) => s.name.startsWith('RunActivity:'));
    const onHost = activities.filter((s) => s.attributes['temporal.task_queue'] === computeQueue(stack.prefix, HOST));
    const onConductor = activities.filter((s) => s.attributes['temporal.task_queue'] === conductorQueue(stack.prefix));
    expect(onHost.map((s) => s.name)).toContain('RunActivity:spawn');
    expect(onConductor.map((s) => s.name)).toEqual(
      expect.arrayContaining(['RunActivity:admitCreate', 'RunActivity:selectAndClaim']),
    );
    for (const activity of activities) {
      const chain = ancestry(activity, spans);
      // RunActivity on the worker, StartActivity in the workflow, then up to the request.
      expect(chain[1]).toBe(activity.name.replace('RunActivity:', 'StartActivity:'));
      expect(chain.at(-1)).toBe('POST /v2.1/servers');
      expect(chain).toContain('UpdateWithStartWorkflow:admission');
      expect(activity.attributes).toMatchObject({
        'openstack.request_id': requestId,
        'nova.instance_uuid': id,
        temporalWorkflowId: instanceWorkflowId(stack.prefix, id),
      });
    }
  });

  it("continues the caller's trace when the request carries a traceparent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const { id } = await createAndFinish({ traceparent: `00-${traceId}-${callerSpan}-01` });
    const spans = spansOf(traceId);
    const http = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(http?.parentSpanId).toBe(callerSpan);
    expect(http?.attributes['nova.instance_uuid']).toBe(id);
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['RunWorkflow:createServerWorkflow', 'RunActivity:spawn']),
    );
  });
});
