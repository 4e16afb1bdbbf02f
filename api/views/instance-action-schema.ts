import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

// Response schemas after Nova's (nova/api/openstack/compute/schemas/instance_actions.py), with our exact
// timestamp format, plus the Temporal fields this service adds to every action.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERFECT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

const time = z.string().regex(PERFECT_TIME);
const links = z.array(z.strictObject({ rel: z.literal('next'), href: z.string() }));

function eventSchema(version: ApiVersion): z.ZodType {
  const shape: Record<string, z.ZodType> = {
    event: z.string(),
    start_time: time,
    finish_time: time.nullable(),
    result: z.string().nullable(),
    // Behind policy (admins by default), so optional as in Nova's schema.
    traceback: z.string().nullable().optional(),
  };
  if (atLeast(version, '2.62')) {
    shape['hostId'] = z.string();
    shape['host'] = z.string().nullable().optional();
  }
  if (atLeast(version, '2.84')) shape['details'] = z.string().nullable().optional();
  return z.strictObject(shape);
}

function actionShape(version: ApiVersion): z.ZodRawShape {
  const shape: Record<string, z.ZodType> = {
    action: z.string(),
    instance_uuid: z.string().regex(UUID),
    request_id: z.string(),
    user_id: z.string().nullable(),
    project_id: z.string().nullable(),
    start_time: time,
    message: z.string().nullable(),
    workflow_id: z.string().nullable(),
    run_id: z.string().nullable(),
    temporal_ui_url: z.string().nullable().optional(),
  };
  if (atLeast(version, '2.58')) shape['updated_at'] = time.nullable();
  return shape;
}

/** The strict schema of `{"instanceActions": [...]}` (plus `links` from 2.58) at a microversion. */
export function instanceActionsListSchema(version: ApiVersion): z.ZodType {
  const shape: Record<string, z.ZodType> = { instanceActions: z.array(z.strictObject(actionShape(version))) };
  if (atLeast(version, '2.58')) shape['links'] = links.optional();
  return z.strictObject(shape);
}

/** The strict schema of `{"instanceAction": {...}}`: events are always there from 2.51, for admins before. */
export function instanceActionBodySchema(version: ApiVersion): z.ZodType {
  const events = z.array(eventSchema(version));
  return z.strictObject({
    instanceAction: z.strictObject({
      ...actionShape(version),
      events: atLeast(version, '2.51') ? events : events.optional(),
    }),
  });
}
