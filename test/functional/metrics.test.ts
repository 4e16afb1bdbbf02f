import { register } from 'prom-client';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// /metrics for Prometheus: the API's requests by route pattern, what the database says about hosts and
// instances, and (from the conductor's process registry) operations by outcome and scheduler decisions.
let stack: TestStack;
let api: ApiClient;

async function scrape(): Promise<string> {
  const res = await fetch(`${stack.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** The value of one sample line, e.g. `nova_host_used{host="host-a",resource="vcpus"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a', vcpus: 4 }] });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

it('counts requests by route pattern, never by raw path', async () => {
  const id = await api.createServer({ name: 'metered' });
  await api.waitForStatus(id, 'ACTIVE');
  const text = await scrape();
  expect(sample(text, 'nova_api_requests_total{method="POST",route="/v2.1/servers",status="202"}')).toBe(1);
  expect(
    sample(text, 'nova_api_requests_total{method="GET",route="/v2.1/servers/:id",status="200"}'),
  ).toBeGreaterThanOrEqual(1);
  expect(text).not.toContain(id);
  expect(text).toMatch(/nova_api_request_duration_seconds_bucket\{le="0.05",method="POST",route="\/v2.1\/servers"\}/);
});

it("shows each host's claimed and offered capacity and the instances by state", async () => {
  const text = await scrape();
  expect(sample(text, 'nova_host_used{host="host-a",resource="vcpus"}')).toBe(1);
  expect(sample(text, 'nova_host_capacity{host="host-a",resource="vcpus"}')).toBe(16);
  expect(sample(text, 'nova_host_up{host="host-a"}')).toBe(1);
  expect(sample(text, 'nova_instances{vm_state="active",task_state="none"}')).toBe(1);
});

it('records finished operations by outcome and the scheduler decisions in the conductor process', async () => {
  const conductor = await register.metrics();
  expect(sample(conductor, 'nova_operations_total{action="create",outcome="success"}')).toBeGreaterThanOrEqual(1);
  expect(sample(conductor, 'nova_scheduler_decisions_total{outcome="placed"}')).toBeGreaterThanOrEqual(1);
  expect(conductor).toMatch(/nova_operation_duration_seconds_count\{action="create"\} [1-9]/);
});
