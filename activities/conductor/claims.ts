import { ApplicationFailure } from '@temporalio/common';
import type { Resources } from '../../domain/capacity';
import { FaultType, NO_VALID_HOST_MESSAGE } from '../../domain/faults';
import type { HostState } from '../../domain/rows';
import type { Queryable, Sql } from './db';

export interface ClaimRequest {
  consumerUuid: string;
  /** Hosts in the scheduler's order: the primary, then its alternates. */
  candidates: string[];
  resources: Resources;
}

export interface Claim {
  host: string;
  /** Candidates after the claimed host: where a reschedule goes next. */
  alternates: string[];
}

const HOST_STATE_COLUMNS = (sql: Queryable) => sql`
  h.*,
  COALESCE(SUM(a.vcpus), 0)::int AS used_vcpus,
  COALESCE(SUM(a.memory_mb), 0)::int AS used_memory_mb,
  COALESCE(SUM(a.disk_gb), 0)::int AS used_disk_gb,
  COUNT(a.consumer_uuid)::int AS instances`;

export async function listHostStates(sql: Sql): Promise<HostState[]> {
  return sql<HostState[]>`
    SELECT ${HOST_STATE_COLUMNS(sql)} FROM hosts h LEFT JOIN allocations a ON a.host = h.name
    GROUP BY h.name ORDER BY h.name`;
}

/**
 * Claims the first candidate that still has room, in one atomic statement (migrations/00016-claim-function.js):
 * the scheduler read capacity without locks, so a concurrent claim may have taken it since; then the next
 * alternate is tried, as Nova's conductor does. A retried claim returns the host it already holds.
 */
export async function claimResources(sql: Sql, req: ClaimRequest): Promise<Claim> {
  const { vcpus, memoryMb, diskGb } = req.resources;
  const [row] = await sql<{ host: string | null }[]>`
    SELECT claim_first_fit(${req.consumerUuid}, ${sql.array(req.candidates)}, ${vcpus}, ${memoryMb}, ${diskGb})
      AS host`;
  const host = row?.host ?? null;
  if (host === null) throw ApplicationFailure.nonRetryable(NO_VALID_HOST_MESSAGE, FaultType.NoValidHost);
  return { host, alternates: req.candidates.slice(req.candidates.indexOf(host) + 1) };
}

/** A claim down the scheduler's whole ranked list (see migrations/00018-claim-ranked.js). */
export interface RankedClaimRequest {
  consumerUuid: string;
  /** Every host that passed the filters, best first. */
  candidates: string[];
  /** Hosts the request may not use: an allocation the consumer holds there (a move's source) is not this claim. */
  ignoreHosts: string[];
  resources: Resources;
  /** Nova's service_down_time: the claim skips a host silent for longer, whatever the ranking thought. */
  serviceDownTimeMs: number;
}

/**
 * Claims the first candidate that still has room and is still enabled and up, in one statement; null when none
 * has. A retried claim returns the host the consumer already holds.
 */
export async function claimRanked(sql: Sql, req: RankedClaimRequest): Promise<string | null> {
  const { vcpus, memoryMb, diskGb } = req.resources;
  const [row] = await sql<{ host: string | null }[]>`
    SELECT claim_ranked(${req.consumerUuid}, ${sql.array(req.candidates)}, ${sql.array(req.ignoreHosts)},
                        ${vcpus}, ${memoryMb}, ${diskGb}, ${downAfter(req.serviceDownTimeMs)}::interval) AS host`;
  return row?.host ?? null;
}

/** Nova's service_down_time as a PostgreSQL interval. */
function downAfter(serviceDownTimeMs: number): string {
  return `${serviceDownTimeMs / 1000} seconds`;
}

/** Drops a consumer's allocation on one host, or everywhere when no host is given. Idempotent. */
export async function releaseClaim(sql: Sql, input: { consumerUuid: string; host?: string }): Promise<void> {
  if (input.host) {
    await sql`DELETE FROM allocations WHERE consumer_uuid = ${input.consumerUuid} AND host = ${input.host}`;
  } else {
    await sql`DELETE FROM allocations WHERE consumer_uuid = ${input.consumerUuid}`;
  }
}

/** Claims for requests of one shape that the scheduler gave a host each (see migrations/00020-claim-assigned.js). */
export interface AssignedClaimRequest {
  consumerUuids: string[];
  /** The host given to each consumer, in the same order. */
  hosts: string[];
  /** Hosts the requests may not use: an allocation a consumer holds there (a move's source) is not its claim. */
  ignoreHosts: string[];
  resources: Resources;
  serviceDownTimeMs: number;
}

/**
 * Claims each consumer's host in one statement, under the hosts' locks; per consumer, in order, the host it holds
 * now (its own, or the one a retried claim already held), or null when its host had no room or is no longer
 * enabled and up.
 */
export async function claimAssigned(sql: Sql, req: AssignedClaimRequest): Promise<(string | null)[]> {
  const { vcpus, memoryMb, diskGb } = req.resources;
  // As rows, not one text[]: postgres.js reads a NULL element of a text array as the string 'NULL'.
  const rows = await sql<{ host: string | null }[]>`
    SELECT claimed.host FROM unnest(claim_assigned(
      ${sql.array(req.consumerUuids)}::uuid[], ${sql.array(req.hosts)}, ${sql.array(req.ignoreHosts)},
      ${vcpus}, ${memoryMb}, ${diskGb}, ${downAfter(req.serviceDownTimeMs)}::interval)) WITH ORDINALITY AS claimed (host, at)
    ORDER BY claimed.at`;
  return rows.map((row) => row.host);
}

/** The conductor's reads and claims the scheduler is given (it has no `sql` of its own). */
export function schedulerClaims(sql: Sql) {
  return {
    listHostStates: () => listHostStates(sql),
    claimRanked: (req: RankedClaimRequest) => claimRanked(sql, req),
    claimAssigned: (req: AssignedClaimRequest) => claimAssigned(sql, req),
  };
}
