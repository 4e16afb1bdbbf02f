import { dig } from './api-client';
import type { OperationContext } from './operations';
import type { Random } from './random';
import type { ChaosSystem } from './system';
import { pause, viewServer } from './workload';

const EVACUABLE = ['ACTIVE', 'SHUTOFF', 'ERROR'];
const SETTLE_MS = 90_000;

/**
 * A dead host, as an operator handles it: the host's compute process is killed (fenced), its service forced down,
 * some of its servers evacuated elsewhere; then the host comes back, destroys what was evacuated away, and is
 * forced up again (refused until that cleanup is done, so this retries).
 */
export async function evacuateHost(
  system: ChaosSystem,
  ctx: OperationContext,
  host: string,
  random: Random,
): Promise<void> {
  const { api } = ctx;
  await system.supervisor.kill(`compute-${host}`);
  const services = await api.get(`/v2.1/os-services?binary=nova-compute&host=${host}`);
  const list = dig(services.body, 'services');
  const serviceId = Array.isArray(list) ? dig(list[0], 'id') : undefined;
  const forced = async (down: boolean) =>
    typeof serviceId === 'string' &&
    (await api.request('PUT', `/v2.1/os-services/${serviceId}`, { forced_down: down })).status === 200;
  try {
    if (await forced(true)) {
      const detail = await api.get(`/v2.1/servers/detail?all_tenants=1&host=${host}`);
      const servers = dig(detail.body, 'servers');
      const ids = (Array.isArray(servers) ? servers : [])
        .filter((s) => EVACUABLE.includes(String(dig(s, 'status'))))
        .map((s) => String(dig(s, 'id')));
      const chosen = ids.filter(() => random.chance(0.6)).slice(0, 3);
      for (const id of chosen) ctx.ledger.record('evacuate', id, await api.action(id, { evacuate: {} }));
      await settle(ctx, chosen);
    }
  } finally {
    await system.supervisor.restart(`compute-${host}`);
    const deadline = Date.now() + SETTLE_MS;
    while (typeof serviceId === 'string' && !(await forced(false)) && Date.now() < deadline) await pause(1000);
  }
}

async function settle(ctx: OperationContext, ids: string[]): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  for (const id of ids) {
    while (Date.now() < deadline) {
      const view = await viewServer(ctx.api, id);
      if (view === 'gone' || (view && view.taskState === null)) break;
      await pause(1000);
    }
  }
}
