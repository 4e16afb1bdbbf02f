import { activeServerRow } from '../../test/support/server-row';
import type { ApiVersion } from '../microversion';
import type {
  InstanceListOptions,
  ListedServer,
  ServerListReads,
  ServerPageReads,
  VersionedServerRow,
} from '../queries/instances';
import { serverDetailView, serverSummaryView, type ServerRow } from '../views/server';
import { ServerPageRenderer, SnapshotReadsDisagree, type ServerPage } from './server-page';

const ROOT = 'http://nova.test:8774';
const V2_1: ApiVersion = { major: 2, minor: 1 };
const V2_96: ApiVersion = { major: 2, minor: 96 };

/**
 * Servers as the list's reads see them: rows with a version bumped on every change, newest first. `between` runs
 * once between a page's list and its rows read, as a write landing between the two would.
 */
class Servers implements ServerListReads {
  private readonly current = new Map<string, VersionedServerRow>();
  private writes = 0;
  readonly rowReads: string[][] = [];
  snapshots = 0;
  between: (() => void) | undefined;
  /** Whether a snapshot's reads see writes too (a database that broke its promise). */
  leakySnapshots = false;

  add(name: string, changes: Partial<ServerRow> = {}): string {
    const uuid = `00000000-0000-4000-8000-${String(this.current.size).padStart(12, '0')}`;
    this.write({ ...activeServerRow(changes), uuid, name });
    return uuid;
  }

  rowOf(uuid: string): ServerRow {
    return this.current.get(uuid)!.row as ServerRow;
  }

  update(uuid: string, changes: Partial<ServerRow>): void {
    this.write({ ...this.current.get(uuid)!.row, ...changes } as ServerRow);
  }

  remove(uuid: string): void {
    this.current.delete(uuid);
  }

  private write(row: ServerRow): void {
    this.current.set(row.uuid, { row, rowVersion: `v${++this.writes}` });
  }

  list(opts: InstanceListOptions): Promise<ListedServer[]> {
    const statuses = opts.status?.map((status) => status.toLowerCase());
    const listed = [...this.current.values()]
      .reverse()
      .filter(({ row }) => !statuses || statuses.includes(row.vm_state))
      .slice(0, opts.limit)
      .map(({ row, rowVersion }) => ({ uuid: row.uuid, rowVersion }));
    return Promise.resolve(listed);
  }

  rows(uuids: readonly string[]): Promise<Map<string, VersionedServerRow>> {
    this.rowReads.push([...uuids]);
    const between = this.between;
    this.between = undefined;
    between?.();
    const present = uuids.filter((uuid) => this.current.has(uuid));
    return Promise.resolve(new Map(present.map((uuid) => [uuid, this.current.get(uuid)!])));
  }

  async inSnapshot<T>(read: (reads: ServerPageReads) => Promise<T>): Promise<T> {
    this.snapshots++;
    if (this.leakySnapshots) return read(this);
    const frozen = new Map(this.current);
    const snapshot: ServerPageReads = {
      list: (opts) => this.list(opts),
      rows: (uuids) =>
        Promise.resolve(new Map(uuids.flatMap((uuid) => (frozen.has(uuid) ? [[uuid, frozen.get(uuid)!]] : [])))),
    };
    return read(snapshot);
  }
}

function pageOf(changes: Partial<ServerPage> = {}): ServerPage {
  return {
    detail: true,
    params: {
      limit: undefined,
      marker: undefined,
      name: undefined,
      status: undefined,
      host: undefined,
      allTenants: false,
      projectId: undefined,
      changesSince: undefined,
      locked: undefined,
      deleted: undefined,
      hostname: undefined,
    },
    limit: 1000,
    caller: { isAdmin: false, projectId: 'p1' },
    version: V2_96,
    root: ROOT,
    query: '',
    ...changes,
  };
}

async function rendered(renderer: ServerPageRenderer, page: ServerPage): Promise<any> {
  return JSON.parse((await renderer.render(page)).json.toString());
}

describe('ServerPageRenderer', () => {
  it('writes the page JSON.stringify would write, next link included while the page is full', async () => {
    const servers = new Servers();
    const newestFirst = ['a', 'b', 'c'].map((name) => servers.add(name)).reverse();
    const renderer = new ServerPageRenderer(servers);
    const view = { baseUrl: ROOT, version: V2_96, isAdmin: false, inList: true };

    const full = await renderer.render(pageOf({ limit: 2, query: 'limit=2' }));
    const expected = {
      servers: newestFirst.slice(0, 2).map((uuid) => serverDetailView(servers.rowOf(uuid), view)),
      servers_links: [{ rel: 'next', href: `${ROOT}/v2.1/servers/detail?limit=2&marker=${newestFirst[1]}` }],
    };
    expect(full.json.toString()).toBe(JSON.stringify(expected));

    const all = await rendered(renderer, pageOf());
    expect(all).toEqual({ servers: newestFirst.map((uuid) => serverDetailView(servers.rowOf(uuid), view)) });
    expect((await new ServerPageRenderer(new Servers()).render(pageOf())).json.toString()).toBe('{"servers":[]}');
  });

  it('reads and renders again only the servers that changed since the last page', async () => {
    const servers = new Servers();
    const [idle, busy] = [servers.add('idle'), servers.add('busy')];
    const renderer = new ServerPageRenderer(servers);
    await renderer.render(pageOf());
    const unchanged = await rendered(renderer, pageOf());
    expect(servers.rowReads).toEqual([[busy, idle]]);

    servers.update(busy, { vm_state: 'stopped', power_state: 4 });
    const next = await rendered(renderer, pageOf());
    expect(servers.rowReads).toEqual([[busy, idle], [busy]]);
    expect(next.servers.map((s: { status: string }) => s.status)).toEqual(['SHUTOFF', 'ACTIVE']);
    expect(next.servers[1]).toEqual(unchanged.servers[1]);
  });

  it('reads the page again in one snapshot when a server changes between its two reads', async () => {
    const servers = new Servers();
    const [stopping, staying] = [servers.add('stopping'), servers.add('staying')];
    const renderer = new ServerPageRenderer(servers);
    servers.between = () => servers.update(stopping, { vm_state: 'stopped', power_state: 4 });

    const active = await rendered(renderer, pageOf({ params: { ...pageOf().params, status: ['ACTIVE'] } }));

    // Read after the stop, the stopped server has left the ACTIVE page; it is never on it as SHUTOFF.
    expect(servers.snapshots).toBe(1);
    expect(active.servers.map((s: { id: string }) => s.id)).toEqual([staying]);
  });

  it('reads the page again in one snapshot when a server is gone by the time its row is read', async () => {
    const servers = new Servers();
    const [purged, staying] = [servers.add('purged'), servers.add('staying')];
    const renderer = new ServerPageRenderer(servers);
    servers.between = () => servers.remove(purged);

    const page = await rendered(renderer, pageOf());

    expect(servers.snapshots).toBe(1);
    expect(page.servers.map((s: { id: string }) => s.id)).toEqual([staying]);
  });

  it('fails the page if the reads of one snapshot disagree', async () => {
    const servers = new Servers();
    const id = servers.add('flapping');
    servers.leakySnapshots = true;
    const renderer = new ServerPageRenderer(servers);
    servers.between = () => {
      servers.update(id, { task_state: 'powering-off' });
      servers.between = () => servers.update(id, { task_state: null });
    };
    await expect(renderer.render(pageOf())).rejects.toThrow(SnapshotReadsDisagree);
  });

  it("renders each server for each caller's view, whoever asked first", async () => {
    const servers = new Servers();
    const id = servers.add('web');
    const renderer = new ServerPageRenderer(servers);
    const row = activeServerRow({ uuid: id, name: 'web' });
    const callers = [
      { detail: true, version: V2_96, isAdmin: true, root: ROOT },
      { detail: true, version: V2_96, isAdmin: false, root: ROOT },
      { detail: true, version: V2_1, isAdmin: false, root: ROOT },
      { detail: true, version: V2_1, isAdmin: false, root: 'https://cloud.example' },
      { detail: false, version: V2_1, isAdmin: false, root: 'https://cloud.example' },
    ];
    for (const { detail, version, isAdmin, root } of callers) {
      const page = pageOf({ detail, version, root, caller: { isAdmin, projectId: 'p1' } });
      const view = { baseUrl: root, version, isAdmin, inList: true };
      const expected = detail ? serverDetailView(row, view) : serverSummaryView(row, view);
      expect((await rendered(renderer, page)).servers).toEqual([expected]);
    }
    expect(servers.rowReads).toHaveLength(callers.length);
  });
});
