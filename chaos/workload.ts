import { dig, type ChaosApi } from './api-client';
import { CIRROS_IMAGE_ID } from './images';
import { allowedOperations, type OperationContext, type ServerView } from './operations';
import type { Random } from './random';

export interface WorkloadOptions {
  pool: number;
  concurrency: number;
  ops: number;
  /** When the mix stops sending new requests. */
  until: number;
}

/** Parses a server of `GET /servers/{id}`; undefined when it is gone or the API did not answer. */
export async function viewServer(api: ChaosApi, id: string): Promise<ServerView | 'gone' | undefined> {
  const reply = await api.get(`/v2.1/servers/${id}`);
  if (reply.status === 404) return 'gone';
  if (reply.status !== 200) return undefined;
  const server = dig(reply.body, 'server');
  const flavorId = dig(server, 'flavor', 'id') ?? dig(server, 'flavor', 'original_name');
  return {
    id,
    status: String(dig(server, 'status')),
    taskState: (dig(server, 'OS-EXT-STS:task_state') as string | null | undefined) ?? null,
    flavorId: flavorId === 'm1.small' ? '2' : flavorId === 'm1.tiny' ? '1' : (flavorId as string | undefined),
  };
}

/** Creates one server of the pool (flavor 1 or 2, the cirros image); its id when the API accepted it. */
export async function createServer(ctx: OperationContext, name: string, op = 'create'): Promise<string | undefined> {
  const flavorRef = ctx.random.pick(['1', '2']);
  const reply = await ctx.api.request('POST', '/v2.1/servers', {
    server: { name, flavorRef, imageRef: CIRROS_IMAGE_ID, networks: 'none' },
  });
  const id = dig(reply.body, 'server', 'id');
  ctx.ledger.record(op, typeof id === 'string' ? id : undefined, reply);
  return reply.status === 202 && typeof id === 'string' ? id : undefined;
}

/**
 * The random mix: `concurrency` loops each pick a server of the pool, read its state, and send one request the
 * API allows in that state (a delete may interrupt anything); the pool is topped up with creates.
 */
export class Workload {
  readonly servers = new Set<string>();
  private sent = 0;
  private serial = 0;

  constructor(
    private readonly ctx: OperationContext,
    private readonly options: WorkloadOptions,
  ) {}

  /** Every server the run created, deleted or not: the audit looks at all of them. */
  readonly created = new Set<string>();

  async run(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.options.concurrency }, (_, i) => this.loop(this.ctx.random.fork(`loop-${i}`))),
    );
  }

  private more(): boolean {
    return Date.now() < this.options.until && this.sent < this.options.ops;
  }

  private async loop(random: Random): Promise<void> {
    const ctx = { ...this.ctx, random };
    while (this.more()) {
      this.sent++;
      if (this.servers.size < this.options.pool) {
        const id = await createServer(ctx, `chaos-${++this.serial}`);
        if (id) {
          this.servers.add(id);
          this.created.add(id);
        } else await pause(1000); // the API or what it needs is down: wait rather than spin
        continue;
      }
      const id = random.pick([...this.servers].sort());
      const view = await viewServer(ctx.api, id);
      if (view === 'gone') {
        this.servers.delete(id);
        continue;
      }
      if (!view) {
        await pause(1000); // the API is down: wait for it rather than spinning
        continue;
      }
      // A server with an operation running only takes a delete, which interrupts it: do that now and then.
      if (view.taskState !== null && view.status !== 'MIGRATING' && !random.chance(0.08)) {
        await pause(300);
        continue;
      }
      const allowed = allowedOperations(view);
      const op = random.weighted(allowed.map((item) => ({ item, weight: item.weight })));
      await op.run(ctx, view);
      await pause(random.int(100, 600));
    }
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
