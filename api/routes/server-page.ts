import type { Sql } from 'postgres';
import { collectionLinks } from '../links';
import { formatVersion, type ApiVersion } from '../microversion';
import {
  instancesByUuid,
  listInstances,
  type ListCaller,
  type ListedServer,
  type VersionedServerRow,
} from '../queries/instances';
import { RenderCache } from '../render-cache';
import { SharedJsonBody } from '../shared-json-body';
import { serverDetailView, serverSummaryView, type ServerViewContext } from '../views/server';
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

/** Ten thousand detailed servers take about 13 MB; a few views of them fit. */
const RENDER_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Renders server list pages. A page reads only its servers' uuids and versions; the servers whose view is
 * remembered at that version are not read again or rendered again. Most servers of a list are idle, so a page
 * costs a light read and a join of remembered JSON instead of decoding and rendering a thousand rows.
 */
export class ServerPageRenderer {
  private readonly rendered = new RenderCache(RENDER_CACHE_BYTES);

  constructor(private readonly sql: Sql) {}

  async render(page: ServerPage): Promise<SharedJsonBody> {
    const { detail, limit, root } = page;
    const listed = await listInstances(this.sql, { ...page.params, ctx: page.caller, limit });
    const servers = await this.serversJson(page, listed);
    const links = collectionLinks(
      { count: listed.length, lastId: listed.at(-1)?.uuid, limit },
      { root, collectionPath: detail ? 'servers/detail' : 'servers', query: new URLSearchParams(page.query) },
    );
    const linksJson = links.length ? `,"servers_links":${JSON.stringify(links)}` : '';
    return new SharedJsonBody(jsonList('{"servers":[', servers, `]${linksJson}}`));
  }

  /** Each listed server's JSON, in list order; one purged since it was listed is left out. */
  private async serversJson(page: ServerPage, listed: readonly ListedServer[]): Promise<Buffer[]> {
    const variant = variantOf(page);
    const known = listed.map(({ uuid, version }) => this.rendered.get(variant, uuid, version));
    const missing = listed.filter((_, i) => known[i] === undefined).map(({ uuid }) => uuid);
    if (!missing.length) return known as Buffer[];
    const rows = await instancesByUuid(this.sql, missing);
    const view = { baseUrl: page.root, version: page.version, isAdmin: page.caller.isAdmin, inList: true };
    const servers: Buffer[] = [];
    listed.forEach(({ uuid }, i) => {
      const json = known[i] ?? this.renderNow(variant, rows.get(uuid), page.detail, view);
      if (json !== undefined) servers.push(json);
    });
    return servers;
  }

  private renderNow(
    variant: string,
    read: VersionedServerRow | undefined,
    detail: boolean,
    view: ServerViewContext,
  ): Buffer | undefined {
    if (!read) return undefined;
    const json = JSON.stringify(detail ? serverDetailView(read.row, view) : serverSummaryView(read.row, view));
    return this.rendered.set(variant, read.row.uuid, read.version, json);
  }
}

/** What a server's JSON depends on besides its row: the view, the address, the microversion, admin or not. */
function variantOf(page: ServerPage): string {
  return `${page.detail ? 'detail' : 'summary'} ${page.root} ${formatVersion(page.version)} ${page.caller.isAdmin}`;
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
