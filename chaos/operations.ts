import { CIRROS_IMAGE_ID, UBUNTU_IMAGE_ID } from './images';
import { dig, type ChaosApi } from './api-client';
import type { Ledger } from './ledger';
import type { Random } from './random';

/** What an operation sees of a server: its status and whether something is running on it. */
export interface ServerView {
  id: string;
  status: string;
  taskState: string | null;
  flavorId: string | undefined;
}

export interface OperationContext {
  api: ChaosApi;
  ledger: Ledger;
  random: Random;
  /** Snapshot images the run made (active ones may be rebuilt onto). */
  snapshots: string[];
}

/** One kind of request of the mix, and the statuses in which the API allows it. */
export interface Operation {
  name: string;
  statuses: readonly string[];
  weight: number;
  run(ctx: OperationContext, server: ServerView): Promise<void>;
}

const simple = (name: string, statuses: string[], body: unknown, weight = 3): Operation => ({
  name,
  statuses,
  weight,
  async run(ctx, server) {
    ctx.ledger.record(name, server.id, await ctx.api.action(server.id, body));
  },
});

/** The two flavors the mix moves servers between (both small enough for many per host). */
const FLAVORS = ['1', '2'];

export const OPERATIONS: readonly Operation[] = [
  simple('stop', ['ACTIVE', 'ERROR'], { 'os-stop': null }),
  simple('start', ['SHUTOFF'], { 'os-start': null }, 4),
  simple('reboot-soft', ['ACTIVE'], { reboot: { type: 'SOFT' } }),
  simple('reboot-hard', ['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED', 'ERROR'], { reboot: { type: 'HARD' } }, 2),
  simple('pause', ['ACTIVE'], { pause: null }),
  simple('unpause', ['PAUSED'], { unpause: null }, 5),
  simple('suspend', ['ACTIVE'], { suspend: null }),
  simple('resume', ['SUSPENDED'], { resume: null }, 5),
  simple('rescue', ['ACTIVE', 'SHUTOFF', 'ERROR'], { rescue: null }, 2),
  simple('unrescue', ['RESCUE'], { unrescue: null }, 5),
  simple('migrate', ['ACTIVE', 'SHUTOFF'], { migrate: null }),
  simple('confirmResize', ['VERIFY_RESIZE'], { confirmResize: null }, 4),
  simple('revertResize', ['VERIFY_RESIZE'], { revertResize: null }, 4),
  simple('shelve', ['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED'], { shelve: null }, 2),
  simple('shelveOffload', ['SHELVED'], { shelveOffload: null }, 3),
  simple('unshelve', ['SHELVED', 'SHELVED_OFFLOADED'], { unshelve: null }, 5),
  simple('live-migrate', ['ACTIVE', 'PAUSED'], { 'os-migrateLive': { host: null, block_migration: 'auto' } }),
  {
    name: 'resize',
    statuses: ['ACTIVE', 'SHUTOFF'],
    weight: 3,
    async run(ctx, server) {
      const flavorRef = FLAVORS.find((f) => f !== server.flavorId) ?? '1';
      ctx.ledger.record('resize', server.id, await ctx.api.action(server.id, { resize: { flavorRef } }));
    },
  },
  {
    name: 'rebuild',
    statuses: ['ACTIVE', 'SHUTOFF', 'ERROR'],
    weight: 2,
    async run(ctx, server) {
      // The ubuntu image needs a 3 GB disk: only flavor 2 has room for it.
      const bases = server.flavorId === '2' ? [CIRROS_IMAGE_ID, UBUNTU_IMAGE_ID] : [CIRROS_IMAGE_ID];
      const imageRef = ctx.random.pick([...bases, ...ctx.snapshots.slice(-3)]);
      ctx.ledger.record('rebuild', server.id, await ctx.api.action(server.id, { rebuild: { imageRef } }));
    },
  },
  {
    name: 'createImage',
    statuses: ['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED'],
    weight: 2,
    async run(ctx, server) {
      const reply = await ctx.api.action(server.id, { createImage: { name: `chaos-snap-${server.id.slice(0, 8)}` } });
      if (ctx.ledger.record('createImage', server.id, reply) === 'accepted') {
        const imageId = dig(reply.body, 'image_id');
        if (typeof imageId === 'string') ctx.snapshots.push(imageId);
      }
    },
  },
  {
    // Kept out of the rebuild pool: rotation deletes all but the newest backup of a server.
    name: 'createBackup',
    statuses: ['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED'],
    weight: 1,
    async run(ctx, server) {
      const createBackup = { name: `chaos-backup-${server.id.slice(0, 8)}`, backup_type: 'daily', rotation: 1 };
      ctx.ledger.record('createBackup', server.id, await ctx.api.action(server.id, { createBackup }));
    },
  },
  {
    // A live migration in progress: abort it (DELETE, 2.24) or force it to finish (2.22).
    name: 'live-migration-decision',
    statuses: ['MIGRATING'],
    weight: 6,
    async run(ctx, server) {
      const list = await ctx.api.get(`/v2.1/servers/${server.id}/migrations`);
      const migrations = dig(list.body, 'migrations');
      const first = Array.isArray(migrations) ? (migrations[0] as unknown) : undefined;
      const mid = dig(first, 'id');
      if (typeof mid !== 'number') return;
      const path = `/v2.1/servers/${server.id}/migrations/${mid}`;
      if (ctx.random.chance(0.5))
        ctx.ledger.record('live-migration-abort', server.id, await ctx.api.request('DELETE', path));
      else {
        const reply = await ctx.api.request('POST', `${path}/action`, { force_complete: null });
        ctx.ledger.record('live-migration-force-complete', server.id, reply);
      }
    },
  },
  {
    // Any status, any task: a delete interrupts whatever runs (it rolls back first).
    name: 'delete',
    statuses: ['*'],
    weight: 1,
    async run(ctx, server) {
      ctx.ledger.record('delete', server.id, await ctx.api.request('DELETE', `/v2.1/servers/${server.id}`));
    },
  },
];

/** The operations the API allows for a server as it is now (a server with a task only takes a delete). */
export function allowedOperations(server: ServerView): Operation[] {
  return OPERATIONS.filter((op) => {
    if (op.statuses.includes('*')) return true;
    if (server.status === 'MIGRATING') return op.statuses.includes('MIGRATING');
    return server.taskState === null && op.statuses.includes(server.status);
  });
}
