import { collectionLinks } from '../links';
import { formatVersion, type ApiVersion } from '../microversion';
import type {
  ListCaller,
  ListedServer,
  ServerListReads,
  ServerPageReads,
  VersionedServerRow,
} from '../queries/instances';
import { RenderCache } from '../render-cache';
import { SharedJsonBody } from '../shared-json-body';
import { serverDetailView, serverSummaryView, type ServerViewRow } from '../views/server';
import type { ServerListQuery } from './server-list-query';

/** Everything a server list page depends on: callers asking for equal pages share one read. */
export interface ServerPage {
  detail: boolean;
  params: ServerListQuery;
  limit: number;
  caller: ListCaller;
  version: ApiVersion;
  root: string;
  query: string;
}

/** A page's servers in list order, each with its remembered JSON or else its row as read. */
interface PageRead {
  listed: ListedServer[];
  servers: (Buffer | VersionedServerRow)[];
}

/** Ten thousand detailed servers take about 15 MB; a few views of them fit. */
const RENDER_CACHE_BYTES = 64 * 1024 * 1024;

/** A server changed between two reads that shared one snapshot: the database broke its isolation promise. */
export class SnapshotReadsDisagree extends Error {
  constructor() {
    super('a server changed between two reads of one snapshot');
    this.name = 'SnapshotReadsDisagree';
  }
}

/**
 * Renders server list pages. A page reads its servers' uuids and row versions, then the rows of only those
 * servers whose JSON is not remembered at that version. Most servers of a list are idle, so a page costs a light
 * read and a copy of remembered JSON instead of decoding and rendering a thousand rows.
 */
export class ServerPageRenderer {
  private readonly rendered = new RenderCache(RENDER_CACHE_BYTES);

  constructor(private readonly reads: ServerListReads) {}

  async render(page: ServerPage): Promise<SharedJsonBody> {
    // A server changed between the page's two reads may no longer match the page's filters: read it all again
    // in one snapshot then (and render after it ends, so the transaction holds its connection only to read).
    const variant = variantOf(page);
    const read =
      (await this.readPage(this.reads, page, variant)) ??
      (await this.reads.inSnapshot((snapshot) => this.readPageInSnapshot(snapshot, page, variant)));
    const json = read.servers.map((server) =>
      Buffer.isBuffer(server)
        ? server
        : this.rendered.set(variant, server.row.uuid, server.rowVersion, this.renderJson(server.row, page)),
    );
    const { detail, limit, root } = page;
    const links = collectionLinks(
      { count: read.listed.length, lastId: read.listed.at(-1)?.uuid, limit },
      { root, collectionPath: detail ? 'servers/detail' : 'servers', query: new URLSearchParams(page.query) },
    );
    const linksJson = links.length ? `,"servers_links":${JSON.stringify(links)}` : '';
    return new SharedJsonBody(jsonList('{"servers":[', json, `]${linksJson}}`));
  }

  /** The page's servers, or undefined when one changed between listing it and reading its row. */
  private async readPage(reads: ServerPageReads, page: ServerPage, variant: string): Promise<PageRead | undefined> {
    const listed = await reads.list({ ...page.params, ctx: page.caller, limit: page.limit });
    const known = listed.map(({ uuid, rowVersion }) => this.rendered.get(variant, uuid, rowVersion));
    const missing = listed.filter((_, i) => !known[i]).map(({ uuid }) => uuid);
    const rows = missing.length ? await reads.rows(missing) : undefined;
    const servers: PageRead['servers'] = [];
    for (const [i, { uuid, rowVersion }] of listed.entries()) {
      const server = known[i] ?? rows?.get(uuid);
      if (!Buffer.isBuffer(server) && server?.rowVersion !== rowVersion) return undefined;
      servers.push(server);
    }
    return { listed, servers };
  }

  private async readPageInSnapshot(snapshot: ServerPageReads, page: ServerPage, variant: string): Promise<PageRead> {
    const read = await this.readPage(snapshot, page, variant);
    if (!read) throw new SnapshotReadsDisagree();
    return read;
  }

  private renderJson(row: ServerViewRow, page: ServerPage): string {
    if (!page.detail) return JSON.stringify(serverSummaryView(row, { baseUrl: page.root }));
    const viewContext = { baseUrl: page.root, version: page.version, isAdmin: page.caller.isAdmin, inList: true };
    return JSON.stringify(serverDetailView(row, viewContext));
  }
}

/** What a server's JSON depends on besides its row: a summary its address, a detail also microversion and role. */
function variantOf(page: ServerPage): string {
  if (!page.detail) return `summary ${page.root}`;
  return `detail ${page.root} ${formatVersion(page.version)} ${page.caller.isAdmin ? 'admin' : 'member'}`;
}

const COMMA = Buffer.from(',');

/** `head`, the items' JSON separated by commas, then `tail`: copying bytes, not encoding a megabyte of text. */
function jsonList(head: string, items: readonly Buffer[], tail: string): Buffer {
  const parts: Buffer[] = [Buffer.from(head)];
  for (const [i, item] of items.entries()) {
    if (i) parts.push(COMMA);
    parts.push(item);
  }
  parts.push(Buffer.from(tail));
  return Buffer.concat(parts);
}
