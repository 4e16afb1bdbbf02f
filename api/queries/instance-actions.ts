import type { Sql } from 'postgres';
import type { InstanceActionRow } from '../../domain/rows';
import type { RequestContext } from '../context';
import { BadRequest } from '../errors';
import type { InstanceActionEventRow } from '../../domain/rows';
import { allOf } from './conditions';
import { isUuid } from './uuid';

const ACTION_COLUMNS = [
  'id',
  'instance_uuid',
  'action',
  'request_id',
  'user_id',
  'project_id',
  'workflow_id',
  'run_id',
  'message',
  'start_time',
  'finish_time',
  'updated_at',
] as const;

/**
 * The instance whose actions (or live migrations) are asked for: its project, which Nova needs for hashed host
 * ids, and its lock, which refuses a non-admin's abort or force-complete.
 */
export interface ActionInstance {
  uuid: string;
  project_id: string;
  locked: boolean;
}

/**
 * The instance a caller may read actions of: its project's (any for admins), deleted ones too when asked
 * (Nova from 2.21). Null for a non-uuid id.
 */
export async function getActionInstance(
  sql: Sql,
  uuid: string,
  opts: { ctx: RequestContext; withDeleted: boolean },
): Promise<ActionInstance | null> {
  if (!isUuid(uuid)) return null;
  const conditions = [
    sql`uuid = ${uuid}`,
    opts.withDeleted ? null : sql`NOT deleted`,
    opts.ctx.isAdmin ? null : sql`project_id = ${opts.ctx.projectId}`,
  ].filter((c) => c !== null);
  const [row] = await sql<ActionInstance[]>`
    SELECT uuid, project_id, locked FROM instances WHERE ${allOf(sql, conditions)}`;
  return row ?? null;
}

export interface ActionListOptions {
  /** Undefined before 2.58: every action. */
  limit?: number | undefined;
  /** The request_id of the last action of the previous page. */
  marker?: string | undefined;
  changesSince?: Date | undefined;
  changesBefore?: Date | undefined;
}

/** One action of an instance by request id; null when there is none. */
export async function getInstanceAction(
  sql: Sql,
  instanceUuid: string,
  requestId: string,
): Promise<InstanceActionRow | null> {
  const [row] = await sql<InstanceActionRow[]>`
    SELECT ${sql(ACTION_COLUMNS)} FROM instance_actions
    WHERE instance_uuid = ${instanceUuid} AND request_id = ${requestId}
    ORDER BY start_time DESC, id DESC
    LIMIT 1`;
  return row ?? null;
}

/** An instance's actions newest first (Nova sorts by created_at, id), one page after the marker's action. */
export async function listInstanceActions(
  sql: Sql,
  instanceUuid: string,
  opts: ActionListOptions = {},
): Promise<InstanceActionRow[]> {
  if (opts.limit === 0) return [];
  let marker: InstanceActionRow | null = null;
  if (opts.marker !== undefined) {
    marker = await getInstanceAction(sql, instanceUuid, opts.marker);
    // Nova's db.actions_get overwrites the marker with the failed lookup before raising, so its message
    // always names None; kept so that clients matching on it see the same text.
    if (!marker) throw new BadRequest('Marker None could not be found.');
  }
  const conditions = [
    sql`instance_uuid = ${instanceUuid}`,
    opts.changesSince === undefined ? null : sql`updated_at >= ${opts.changesSince}`,
    opts.changesBefore === undefined ? null : sql`updated_at <= ${opts.changesBefore}`,
    // Compared in SQL: a JS Date would drop the microseconds of the marker's start_time.
    marker === null
      ? null
      : sql`(start_time, id) < (SELECT start_time, id FROM instance_actions WHERE id = ${marker.id})`,
  ].filter((c) => c !== null);
  return sql<InstanceActionRow[]>`
    SELECT ${sql(ACTION_COLUMNS)} FROM instance_actions
    WHERE ${allOf(sql, conditions)}
    ORDER BY start_time DESC, id DESC
    ${opts.limit === undefined ? sql`` : sql`LIMIT ${opts.limit}`}`;
}

/** An action's events, newest first as Nova lists them. */
export async function listActionEvents(sql: Sql, actionId: string): Promise<InstanceActionEventRow[]> {
  return sql<InstanceActionEventRow[]>`
    SELECT id, action_id, event, host, start_time, finish_time, result, traceback, details
    FROM instance_action_events
    WHERE action_id = ${actionId}
    ORDER BY start_time DESC, id DESC`;
}
