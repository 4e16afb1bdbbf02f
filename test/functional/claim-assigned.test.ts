import { randomUUID } from 'node:crypto';
import { claimAssigned, claimRanked } from '../../activities/conductor/claims';
import { connectDatabase, type Sql } from '../../activities/conductor/db';
import { cloneDatabase } from '../support/test-stack';

// The batch claim (migrations/00020-claim-assigned.js) against the real PostgreSQL: it re-checks each host under
// its lock, answers a retried claim with the host held, and runs beside other batches and ranked claims without
// over-committing a host or deadlocking.

const TINY = { vcpus: 1, memoryMb: 512, diskGb: 1 };
const DAY_MS = 86_400_000;
let sql: Sql;

beforeAll(async () => {
  sql = connectDatabase(await cloneDatabase(`claim_assigned_${process.pid}`), 12);
});

afterAll(() => sql.end());

/** Hosts that fit `slots` tiny instances each (memory is the tight resource). */
async function addHosts(prefix: string, count: number, slots: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
  for (const name of names) {
    await sql`
      INSERT INTO hosts (name, vcpus, memory_mb, disk_gb, reserved_memory_mb)
      VALUES (${name}, 64, ${512 + slots * 512}, 100, 512)`;
  }
  return names;
}

const claimAll = (hosts: string[], consumerUuids = hosts.map(() => randomUUID())) =>
  claimAssigned(sql, { consumerUuids, hosts, ignoreHosts: [], resources: TINY, serviceDownTimeMs: DAY_MS });

async function allocationsPerHost(prefix: string): Promise<Map<string, number>> {
  const rows = await sql<{ host: string; n: number }[]>`
    SELECT host, count(*)::int AS n FROM allocations WHERE host LIKE ${`${prefix}-%`} GROUP BY host`;
  return new Map(rows.map((r) => [r.host, r.n]));
}

it('claims each host while it has room and answers null past it, or for a disabled host', async () => {
  const [a, b] = await addHosts('room', 2, 2);
  await sql`UPDATE hosts SET disabled = true WHERE name = ${b!}`;
  expect(await claimAll([a!, a!, a!, b!])).toEqual([a, a, null, null]);
});

it('answers a retried claim with the host the consumer holds, and a consumer given two hosts keeps one', async () => {
  const [a, b] = await addHosts('retry', 2, 4);
  const consumer = randomUUID();
  expect(await claimAll([a!], [consumer])).toEqual([a]);
  expect(await claimAll([b!, b!], [consumer, consumer])).toEqual([a, a]);
  expect(await allocationsPerHost('retry')).toEqual(new Map([[a, 1]]));
});

it('never over-commits nor deadlocks under concurrent batches in opposite orders and ranked claims', async () => {
  const hosts = await addHosts('race', 8, 3);
  const batches = Array.from({ length: 8 }, (_, i) => claimAll(i % 2 === 0 ? hosts : [...hosts].reverse()));
  const ranked = Array.from({ length: 8 }, () =>
    claimRanked(sql, {
      consumerUuid: randomUUID(),
      candidates: hosts,
      ignoreHosts: [],
      resources: TINY,
      serviceDownTimeMs: DAY_MS,
    }),
  );
  const claimed = [...(await Promise.all(batches)).flat(), ...(await Promise.all(ranked))];
  expect(claimed.filter((host) => host !== null)).toHaveLength(24);
  expect([...(await allocationsPerHost('race')).values()]).toEqual(hosts.map(() => 3));
});
