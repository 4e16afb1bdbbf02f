/**
 * GET /v2.1/servers/detail over the seeded servers: the full 1000-server page, one connection and many (all
 * asking for the same page, which the API reads once for the callers waiting on it, then each for a page of its
 * own, which nothing shares), and one page per filter the list offers, each measured without and with the
 * indexes of migrations/00015 and 00025 (dropped and recreated by name in this run, so before and after share the data and
 * the machine's load). A page is timed to its last byte, as a load generator does; parsing it is the client's
 * cost, not the API's.
 */
import type { Sql } from '../../activities/conductor/db';
import { getLoadInThread } from '../get-load';
import { OperationFailed, type BenchApi } from '../http';
import { distribution } from '../stats';
import { SEED_HOST_PREFIX, SEED_NAME_PREFIX } from '../seed';

interface IndexMigration {
  up(sql: Sql): Promise<void>;
  down(sql: Sql): Promise<void>;
}
const listIndexes = [
  require('../../migrations/00015-server-list-indexes.js') as IndexMigration,
  require('../../migrations/00025-locked-list-index.js') as IndexMigration,
];

export const PAGE = '/servers/detail?limit=1000';

export interface FilterTiming {
  filter: string;
  path: string;
  /** Servers on the page. */
  servers: number;
  withoutIndexesP50: number;
  withIndexesP50: number;
}

export interface ListResult {
  instances: number;
  page: number[];
  /** The same page on every connection. */
  pageConcurrent: number[];
  /** A page of its own on every connection (a different marker), so no two requests share a read. */
  ownPageConcurrent: number[];
  concurrency: number;
  pageBytes: number;
  filters: FilterTiming[];
}

/** The filters a user can put on the list, over the seeded data (all_tenants makes the host filter apply). */
function filterPaths(): { filter: string; path: string }[] {
  const since = new Date(Date.now() - 120_000).toISOString();
  return [
    { filter: 'none (limit=1000)', path: PAGE },
    { filter: 'host', path: `/servers/detail?all_tenants=1&host=${SEED_HOST_PREFIX}0042` },
    { filter: 'status', path: '/servers/detail?status=SHUTOFF&limit=100' },
    { filter: 'name (regex)', path: `/servers/detail?name=^${SEED_NAME_PREFIX}777$` },
    { filter: 'changes-since', path: `/servers/detail?changes-since=${encodeURIComponent(since)}&limit=100` },
    { filter: 'project (all_tenants)', path: '/servers/detail?all_tenants=1&project_id=demo' },
    { filter: 'locked', path: '/servers/detail?all_tenants=1&locked=true' },
    { filter: 'marker (page 2)', path: '' },
  ];
}

/** One GET timed to its last byte; the body is parsed after the clock stops. */
async function timedGet(api: BenchApi, path: string): Promise<{ ms: number; text: string }> {
  const began = performance.now();
  const { status, text } = await api.requestText('GET', path);
  const ms = performance.now() - began;
  if (status !== 200) throw new OperationFailed(`GET ${path}: ${status} ${text.slice(0, 200)} (wanted 200)`);
  return { ms, text };
}

async function timeGets(api: BenchApi, path: string, count: number): Promise<{ samples: number[]; body: unknown }> {
  const samples: number[] = [];
  let text = '';
  for (let i = 0; i < count; i++) {
    const got = await timedGet(api, path);
    samples.push(got.ms);
    text = got.text;
  }
  return { samples, body: JSON.parse(text) as unknown };
}

async function filterTimings(
  api: BenchApi,
  repeat: number,
): Promise<{ filter: string; path: string; p50: number; servers: number }[]> {
  const first = (await api.expect('GET', PAGE, undefined, 200)).body as { servers: { id: string }[] };
  const marker = first.servers.at(-1)?.id ?? '';
  const out = [];
  for (const f of filterPaths()) {
    const path = f.path || `/servers/detail?limit=1000&marker=${marker}`;
    const { samples, body } = await timeGets(api, path, repeat);
    out.push({ ...f, path, p50: distribution(samples).p50, servers: (body as { servers: unknown[] }).servers.length });
  }
  return out;
}

export async function measureList(
  api: BenchApi,
  sql: Sql,
  opts: { requests: number; concurrency: number; instances: number },
): Promise<ListResult> {
  for (const migration of listIndexes) await migration.down(sql);
  await sql`ANALYZE instances`;
  const without = await filterTimings(api, Math.max(3, Math.ceil(opts.requests / 4)));
  for (const migration of listIndexes) await migration.up(sql);
  await sql`ANALYZE instances`;
  const withIdx = await filterTimings(api, Math.max(3, Math.ceil(opts.requests / 4)));
  const filters = without.map((w, i) => ({
    filter: w.filter,
    path: w.path,
    servers: withIdx[i]!.servers,
    withoutIndexesP50: w.p50,
    withIndexesP50: withIdx[i]!.p50,
  }));

  const { body } = await api.expect('GET', PAGE, undefined, 200);
  const firstPage = (body as { servers: { id: string }[] }).servers;
  const pageBytes = Buffer.byteLength(JSON.stringify(body));
  const load = { baseUrl: api.baseUrl, bodyStartsWith: '{"servers":[{', timeoutMs: 60_000 };
  const page = await getLoadInThread({ ...load, paths: [PAGE], rounds: opts.requests });
  const rounds = Math.max(3, Math.ceil(opts.requests / opts.concurrency));
  const pageConcurrent = await getLoadInThread({
    ...load,
    paths: Array<string>(opts.concurrency).fill(PAGE),
    rounds,
  });
  // Markers among the newest servers leave a full page after each.
  const ownPages = Array.from({ length: opts.concurrency }, (_, i) => {
    const marker = firstPage[i % firstPage.length]?.id ?? '';
    return `${PAGE}&marker=${marker}`;
  });
  const ownPageConcurrent = await getLoadInThread({ ...load, paths: ownPages, rounds });
  return {
    instances: opts.instances,
    page,
    pageConcurrent,
    ownPageConcurrent,
    concurrency: opts.concurrency,
    pageBytes,
    filters,
  };
}
