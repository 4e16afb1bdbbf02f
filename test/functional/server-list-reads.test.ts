import { randomUUID } from 'node:crypto';
import { connectDatabase, type Sql } from '../../activities/conductor/db';
import { listInstances, serverListReads, type InstanceListOptions } from '../../api/queries/instances';
import { cloneDatabase } from '../support/test-stack';

// A server list page's reads against a real PostgreSQL (api/routes/server-page.ts remembers each server's JSON
// by the row version these give): the version moves with every change a view shows and with nothing else.
let sql: Sql;
const LIST: InstanceListOptions = { ctx: { isAdmin: false, projectId: 'p1' }, limit: 10 };

beforeAll(async () => {
  sql = connectDatabase(await cloneDatabase(`server_list_reads_${process.pid}`), 2);
  await sql`INSERT INTO hosts (name, vcpus, memory_mb, disk_gb) VALUES ('host-r', 8, 16384, 100)`;
});

afterAll(async () => {
  await sql?.end();
});

async function addServer(): Promise<string> {
  const uuid = randomUUID();
  await sql`
    INSERT INTO instances (uuid, name, project_id, user_id, flavor, host, vm_state, reservation_id)
    VALUES (${uuid}, 'reads', 'p1', 'u1', ${sql.json({ id: '1' })}, 'host-r', 'active', 'r-1')`;
  return uuid;
}

async function rowVersionOf(uuid: string): Promise<string> {
  const listed = await listInstances(sql, LIST);
  return listed.find((server) => server.uuid === uuid)!.rowVersion;
}

describe("a listed server's row version", () => {
  it("changes with the row and with the host's status or zone, not with the host's heartbeat", async () => {
    const uuid = await addServer();
    const first = await rowVersionOf(uuid);
    expect(await rowVersionOf(uuid)).toBe(first);

    await sql`UPDATE hosts SET last_seen_at = now() + interval '1 second' WHERE name = 'host-r'`;
    expect(await rowVersionOf(uuid)).toBe(first);

    const versions = [first];
    const changes = [
      () => sql`UPDATE instances SET task_state = 'powering-off' WHERE uuid = ${uuid}`,
      () => sql`UPDATE instances SET task_state = NULL WHERE uuid = ${uuid}`,
      () => sql`UPDATE hosts SET disabled = true WHERE name = 'host-r'`,
      () => sql`UPDATE hosts SET forced_down = true WHERE name = 'host-r'`,
      () => sql`UPDATE hosts SET availability_zone = 'az-2' WHERE name = 'host-r'`,
    ];
    for (const change of changes) {
      await change();
      versions.push(await rowVersionOf(uuid));
    }
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('is the one its row read gives, and inside a snapshot both reads stay put while the row changes', async () => {
    const uuid = await addServer();
    const reads = serverListReads(sql);
    const [before] = await reads.list({ ...LIST, limit: 1 });
    expect(before!.uuid).toBe(uuid);
    expect((await reads.rows([uuid])).get(uuid)?.rowVersion).toBe(before!.rowVersion);

    const inSnapshot = await reads.inSnapshot(async (snapshot) => {
      const [listed] = await snapshot.list({ ...LIST, limit: 1 });
      await sql`UPDATE instances SET vm_state = 'stopped' WHERE uuid = ${uuid}`;
      const row = (await snapshot.rows([uuid])).get(uuid)!;
      return { listed: listed!.rowVersion, read: row.rowVersion, vmState: row.row.vm_state };
    });
    expect(inSnapshot).toEqual({ listed: before!.rowVersion, read: before!.rowVersion, vmState: 'active' });

    const after = (await reads.rows([uuid])).get(uuid)!;
    expect(after.row.vm_state).toBe('stopped');
    expect(after.rowVersion).not.toBe(before!.rowVersion);
  });
});
