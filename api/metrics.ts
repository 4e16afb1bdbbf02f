import type { RequestHandler, Router } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Sql } from 'postgres';
import { listHypervisors } from './queries/hypervisors';
import { instancesByState } from './queries/instance-states';
import { routeOf } from './request-info';

/** The API's own request metrics, one set per process however many apps it builds. */
const httpRegistry = new Registry();

const httpRequests = new Counter({
  name: 'nova_api_requests_total',
  help: 'HTTP requests by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [httpRegistry],
});

const httpSeconds = new Histogram({
  name: 'nova_api_request_duration_seconds',
  help: 'HTTP request latency by method and route',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [httpRegistry],
});

/** Counts each request under its route pattern (`/v2.1/servers/:id/action`), `unmatched` when none matched. */
export const httpMetricsMiddleware: RequestHandler = (req, res, next) => {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const labels = { method: req.method, route: routeOf(req) };
    httpRequests.inc({ ...labels, status: String(res.statusCode) });
    httpSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  });
  next();
};

/** What the database says now: capacity used per host and instances by state, read at each scrape. */
async function stateRegistry(sql: Sql, serviceDownTimeMs: number): Promise<Registry> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const used = gauge('nova_host_used', 'Resources claimed on a host', ['host', 'resource']);
  const total = gauge('nova_host_capacity', 'Resources a host offers after allocation ratios', ['host', 'resource']);
  const up = gauge('nova_host_up', 'Whether the host reported within service_down_time and is not forced down', [
    'host',
  ]);
  const instances = gauge('nova_instances', 'Live instances by vm_state and task_state', ['vm_state', 'task_state']);
  const [{ rows }, states] = await Promise.all([listHypervisors(sql, { serviceDownTimeMs }), instancesByState(sql)]);
  for (const h of rows) {
    used.set({ host: h.name, resource: 'vcpus' }, h.used_vcpus);
    used.set({ host: h.name, resource: 'memory_mb' }, h.used_memory_mb);
    used.set({ host: h.name, resource: 'disk_gb' }, h.used_disk_gb);
    total.set({ host: h.name, resource: 'vcpus' }, h.vcpus * h.cpu_allocation_ratio);
    total.set({ host: h.name, resource: 'memory_mb' }, (h.memory_mb - h.reserved_memory_mb) * h.ram_allocation_ratio);
    total.set({ host: h.name, resource: 'disk_gb' }, h.disk_gb * h.disk_allocation_ratio);
    up.set({ host: h.name }, h.alive ? 1 : 0);
  }
  for (const s of states) instances.set({ vm_state: s.vm_state, task_state: s.task_state ?? 'none' }, s.count);
  return registry;
}

/** GET /metrics in Prometheus text format: the API's request metrics and the database's state. */
export function addMetricsRoute(router: Router, deps: { sql: Sql; serviceDownTimeMs?: number }): void {
  router.get('/metrics', async (_req, res) => {
    const state = await stateRegistry(deps.sql, deps.serviceDownTimeMs ?? 60_000);
    const merged = Registry.merge([httpRegistry, state]);
    res.type(merged.contentType).send(await merged.metrics());
  });
}
