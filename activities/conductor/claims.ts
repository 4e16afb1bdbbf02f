import { ApplicationFailure } from '@temporalio/common';
import { fits, type Resources } from '../../domain/capacity';
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

/** Locks the host row, so concurrent claims on one host are serialised and can never over-commit it. */
async function claimOn(sql: Sql, host: string, req: ClaimRequest): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [locked] = await tx`SELECT name FROM hosts WHERE name = ${host} FOR UPDATE`;
    if (!locked) return false;
    const [mine] = await tx`
      SELECT 1 FROM allocations WHERE consumer_uuid = ${req.consumerUuid} AND host = ${host}`;
    if (mine) return true; // a retried claim
    const [state] = await tx<HostState[]>`
      SELECT ${HOST_STATE_COLUMNS(tx)} FROM hosts h LEFT JOIN allocations a ON a.host = h.name
      WHERE h.name = ${host} GROUP BY h.name`;
    if (!state || !fits(state, req.resources)) return false;
    await tx`
      INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
      VALUES (${req.consumerUuid}, ${host}, ${req.resources.vcpus}, ${req.resources.memoryMb},
              ${req.resources.diskGb})`;
    return true;
  });
}

/**
 * Claims the first candidate that still has room. The scheduler read capacity without locks, so a concurrent
 * claim may have taken it since: then the next alternate is tried, as Nova's conductor does.
 */
export async function claimResources(sql: Sql, req: ClaimRequest): Promise<Claim> {
  for (const [index, host] of req.candidates.entries()) {
    if (await claimOn(sql, host, req)) return { host, alternates: req.candidates.slice(index + 1) };
  }
  throw ApplicationFailure.nonRetryable(NO_VALID_HOST_MESSAGE, FaultType.NoValidHost);
}

/** Drops a consumer's allocation on one host, or everywhere when no host is given. Idempotent. */
export async function releaseClaim(sql: Sql, input: { consumerUuid: string; host?: string }): Promise<void> {
  if (input.host) {
    await sql`DELETE FROM allocations WHERE consumer_uuid = ${input.consumerUuid} AND host = ${input.host}`;
  } else {
    await sql`DELETE FROM allocations WHERE consumer_uuid = ${input.consumerUuid}`;
  }
}
