import type { Client } from '@temporalio/client';
import { dig } from './api-client';
import type { FaultInjector } from './faults';
import type { OperationContext } from './operations';
import type { ChaosSystem } from './system';
import { pause } from './workload';

/** Instance workflows still running; a host's own workflow (`host-<name>`) runs forever by design. */
export async function runningInstanceWorkflows(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    if (wf.workflowId.startsWith('instance-')) ids.push(wf.workflowId);
  }
  return ids;
}

/**
 * Brings the system to rest: every process up, every fault switch cleared, every host forced up, resizes that
 * wait for a decision confirmed; then waits until no instance has a task and no instance workflow runs.
 * Returns how long that took, or undefined if the deadline came first (what still runs is then stuck).
 */
export async function drain(
  system: ChaosSystem,
  ctx: OperationContext,
  injector: FaultInjector,
  deadlineMs: number,
): Promise<number | undefined> {
  const began = Date.now();
  for (const name of system.supervisor.names()) {
    if (system.supervisor.pid(name) === undefined) await system.supervisor.restart(name);
  }
  await injector.clearSwitches();
  const services = dig((await ctx.api.get('/v2.1/os-services?binary=nova-compute')).body, 'services');
  for (const s of Array.isArray(services) ? services : []) {
    if (dig(s, 'forced_down') === true) {
      await ctx.api.request('PUT', `/v2.1/os-services/${String(dig(s, 'id'))}`, { forced_down: false });
    }
  }
  const confirmed = new Set<string>();
  while (Date.now() - began < deadlineMs) {
    const busy = await system.sql<{ uuid: string; vm_state: string; task_state: string | null }[]>`
      SELECT uuid, vm_state, task_state FROM instances
      WHERE NOT deleted AND (task_state IS NOT NULL OR vm_state = 'resized')`.catch(() => undefined);
    const running = await runningInstanceWorkflows(system.client).catch(() => undefined);
    if (busy?.length === 0 && running?.length === 0) return Date.now() - began;
    for (const row of busy ?? []) {
      if (row.vm_state === 'resized' && row.task_state === null && !confirmed.has(row.uuid)) {
        confirmed.add(row.uuid);
        ctx.ledger.record('drain-confirmResize', row.uuid, await ctx.api.action(row.uuid, { confirmResize: null }));
      }
    }
    await pause(2000);
  }
  return undefined;
}
