import type { ChaosApi } from './api-client';
import type { OperationContext } from './operations';
import { createServer, pause, viewServer } from './workload';

const PROBE_TIMEOUT_MS = 180_000;

/**
 * The probe after a kill: the API answers and a new server becomes ACTIVE (which needs the API, PostgreSQL,
 * Temporal, a conductor and a compute host). Returns the milliseconds from `since`, or undefined when the system
 * did not recover within the probe's timeout. The probe server is deleted afterwards; the audit follows it too.
 */
export async function probeRecovery(
  ctx: OperationContext,
  since: number,
  created: Set<string>,
): Promise<number | undefined> {
  const deadline = since + PROBE_TIMEOUT_MS;
  let attempt = 0;
  while (Date.now() < deadline) {
    const id = await createServer(ctx, `chaos-probe-${++attempt}`, 'probe-create');
    if (!id) {
      await pause(500);
      continue;
    }
    created.add(id);
    const status = await waitForSettled(ctx.api, id, deadline);
    const recoveredAt = Date.now();
    ctx.ledger.record('probe-delete', id, await ctx.api.request('DELETE', `/v2.1/servers/${id}`));
    if (status === 'ACTIVE') return recoveredAt - since;
  }
  return undefined;
}

/** Polls until the server has no task: its status then (ACTIVE, ERROR...), or undefined at the deadline. */
async function waitForSettled(api: ChaosApi, id: string, deadline: number): Promise<string | undefined> {
  while (Date.now() < deadline) {
    const view = await viewServer(api, id);
    if (view === 'gone') return undefined;
    if (view && view.taskState === null && view.status !== 'BUILD') return view.status;
    await pause(500);
  }
  return undefined;
}
