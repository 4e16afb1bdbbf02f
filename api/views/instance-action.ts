import type { InstanceActionEventRow, InstanceActionRow } from '../../domain/rows';
import { atLeast, type ApiVersion } from '../microversion';
import { hostIdFor } from './server-fields';
import { perfectTime } from './time';

export { instanceActionBodySchema, instanceActionsListSchema } from './instance-action-schema';

export type { InstanceActionEventRow };

/** Where the operation behind an action can be opened in the Temporal Web UI, when the API knows the UI. */
export interface TemporalUiContext {
  uiUrl?: string | undefined;
  namespace: string;
}

export interface InstanceActionViewContext {
  version: ApiVersion;
  temporal: TemporalUiContext;
}

export type InstanceActionBody = Record<string, unknown>;

/** `<ui>/namespaces/<namespace>/workflows/<workflow_id>/<run_id>/history`; null without a workflow run. */
export function temporalHistoryUrl(
  uiUrl: string,
  namespace: string,
  workflowId: string | null,
  runId: string | null,
): string | null {
  if (!workflowId || !runId) return null;
  const base = uiUrl.replace(/\/+$/, '');
  const path = [namespace, 'workflows', workflowId, runId].map(encodeURIComponent);
  return `${base}/namespaces/${path[0]}/${path[1]}/${path[2]}/${path[3]}/history`;
}

/**
 * An instance action as Nova shows it (nova/api/openstack/compute/instance_actions.py `_format_action`):
 * updated_at from 2.58. Beyond Nova, the Temporal workflow that ran the operation: workflow_id, run_id and,
 * when the UI is known, temporal_ui_url. Timestamps carry milliseconds (JS Dates) where Nova shows microseconds.
 */
export function instanceActionView(row: InstanceActionRow, ctx: InstanceActionViewContext): InstanceActionBody {
  const action: InstanceActionBody = {
    action: row.action,
    instance_uuid: row.instance_uuid,
    request_id: row.request_id,
    user_id: row.user_id,
    project_id: row.project_id,
    start_time: perfectTime(row.start_time),
    message: row.message,
  };
  if (atLeast(ctx.version, '2.58')) action['updated_at'] = perfectTime(row.updated_at);
  action['workflow_id'] = row.workflow_id;
  action['run_id'] = row.run_id;
  const { uiUrl, namespace } = ctx.temporal;
  if (uiUrl !== undefined) {
    action['temporal_ui_url'] = temporalHistoryUrl(uiUrl, namespace, row.workflow_id, row.run_id);
  }
  return action;
}

/** Which parts of an action's events a caller sees at a microversion (Nova's default policy). */
export interface EventVisibility {
  /** Admins always (policy `…:events`); everyone from 2.51. */
  events: boolean;
  /** Admins only. */
  traceback: boolean;
  /** Admins from 2.62. */
  host: boolean;
  /** Everyone from 2.62: Nova's hashed host id. */
  hostId: boolean;
  /** Admins from 2.84 (policy `…:events:details` is admin by default). */
  details: boolean;
}

export function eventVisibility(version: ApiVersion, isAdmin: boolean): EventVisibility {
  const events = isAdmin || atLeast(version, '2.51');
  return {
    events,
    traceback: isAdmin,
    host: isAdmin && atLeast(version, '2.62'),
    hostId: events && atLeast(version, '2.62'),
    details: events && isAdmin && atLeast(version, '2.84'),
  };
}

/** An event of an instance action (`_format_event`); hostId hashes the action's project with the host. */
export function instanceActionEventView(
  row: InstanceActionEventRow,
  visibility: EventVisibility,
  projectId: string,
): InstanceActionBody {
  const event: InstanceActionBody = {
    event: row.event,
    start_time: perfectTime(row.start_time),
    finish_time: row.finish_time ? perfectTime(row.finish_time) : null,
    result: row.result,
  };
  if (visibility.traceback) event['traceback'] = row.traceback;
  if (visibility.host) event['host'] = row.host;
  if (visibility.hostId) event['hostId'] = hostIdFor(projectId, row.host);
  if (visibility.details) event['details'] = row.details;
  return event;
}

/** GET /servers/{id}/os-instance-actions/{request_id}: the action, with its events when the caller may see them. */
export function instanceActionDetailView(
  row: InstanceActionRow,
  events: readonly InstanceActionEventRow[] | null,
  ctx: InstanceActionViewContext & { isAdmin: boolean; instanceProjectId: string },
): InstanceActionBody {
  const action = instanceActionView(row, ctx);
  const visibility = eventVisibility(ctx.version, ctx.isAdmin);
  if (visibility.events && events) {
    // Nova falls back to the server's project for actions recorded without one (periodic tasks).
    const projectId = row.project_id || ctx.instanceProjectId;
    action['events'] = events.map((event) => instanceActionEventView(event, visibility, projectId));
  }
  return action;
}
