import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { updateServiceUpdate, type ServiceChangeRequest } from '../../workflows/host-heartbeat';
import { contextOf } from '../context';
import { BadRequest, ItemNotFound } from '../errors';
import { rawQuery } from '../links';
import { atLeast, versionOf, type ApiVersion } from '../microversion';
import type { Operations } from '../operations';
import { authorize } from '../policy/enforce';
import { listServices } from '../queries/services';
import { isUuid } from '../queries/uuid';
import { booleanBody, hostnamePattern } from '../schemas/parameter-types';
import { parseWith } from '../validation';
import { COMPUTE_BINARY, serviceView, type ServiceRow } from '../views/service';
import { serviceUuid } from '../views/hypervisor-ids';
import { lastValues, rejectUnknownParams } from './list-query';

export interface ServicesDeps {
  sql: Sql;
  operations: Operations;
  /** Nova's service_down_time: a host that has not reported for longer is `down`. */
  serviceDownTimeMs?: number | undefined;
}

const DEFAULT_SERVICE_DOWN_TIME_MS = 60_000;

const reason = z.string().min(1).max(255);
/** Nova's `update` (2.1) and `update_v211` bodies: the service named by host and binary. */
export const legacyBody = z.strictObject({
  host: hostnamePattern,
  binary: z.string().min(1).max(255),
  disabled_reason: reason.optional(),
});
export const legacyBody211 = legacyBody.extend({ forced_down: booleanBody.optional() });
/** Nova's `update_v253` body: the service is in the path; nothing is required here. */
export const body253 = z.strictObject({
  status: z.enum(['enabled', 'disabled']).optional(),
  disabled_reason: reason.optional(),
  forced_down: booleanBody.optional(),
});
type LegacyBody = z.infer<typeof legacyBody211>;

/** jsonschema's `required` message, which Nova shows without a field path. */
function requireFields(body: unknown, names: readonly string[]): void {
  const present = body !== null && typeof body === 'object' ? body : {};
  const missing = names.find((name) => !(name in present));
  if (missing) throw new BadRequest(`'${missing}' is a required property`);
}

/**
 * The legacy actions of PUT /os-services/{action} (2.1–2.52), each answering with the fields it changed:
 * enable, disable, disable-log-reason, and force-down from 2.11.
 */
function legacyAction(
  action: string,
  body: LegacyBody,
  version: ApiVersion,
): { change: ServiceChangeRequest; reply: object } {
  const who = { host: body.host, binary: body.binary };
  switch (action) {
    case 'enable':
      return { change: { disabled: false, disabledReason: null }, reply: { ...who, status: 'enabled' } };
    case 'disable':
      return { change: { disabled: true, disabledReason: null }, reply: { ...who, status: 'disabled' } };
    case 'disable-log-reason':
      if (body.disabled_reason === undefined) throw new BadRequest('Missing disabled reason field');
      return {
        change: { disabled: true, disabledReason: body.disabled_reason },
        reply: { ...who, status: 'disabled', disabled_reason: body.disabled_reason },
      };
    case 'force-down':
      if (!atLeast(version, '2.11')) break;
      if (body.forced_down === undefined) throw new BadRequest('Missing forced_down field');
      return { change: { forcedDown: body.forced_down }, reply: { ...who, forced_down: body.forced_down } };
  }
  throw new ItemNotFound('Unknown action');
}

/** The 2.53 body as a change; Nova's 400s for a reason with `enabled` and for a body that changes nothing. */
function change253(body: z.infer<typeof body253>): ServiceChangeRequest {
  const change: ServiceChangeRequest = {};
  if (body.status === 'enabled') {
    if (body.disabled_reason) throw new BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
    Object.assign(change, { disabled: false, disabledReason: null });
  } else if (body.status === 'disabled') {
    Object.assign(change, { disabled: true, disabledReason: body.disabled_reason ?? null });
  }
  if (body.forced_down !== undefined) change.forcedDown = body.forced_down;
  if (change.disabled === undefined && change.forcedDown === undefined) {
    throw new BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
  }
  return change;
}

/**
 * GET /os-services and PUT /os-services/{id} (admin): each compute host as its nova-compute service. Reads come
 * from PostgreSQL; changes go to the host's workflow, whose conductor activity writes them.
 */
export function createServicesRouter(deps: ServicesDeps): Router {
  const router = Router();
  const serviceDownTimeMs = deps.serviceDownTimeMs ?? DEFAULT_SERVICE_DOWN_TIME_MS;
  const services = () => listServices(deps.sql, { serviceDownTimeMs });

  router.get('/os-services', async (req: Request, res: Response) => {
    const version = versionOf(res);
    const values = lastValues(rawQuery(req));
    // index_query_v275 closes the query schema; before, anything else is ignored.
    if (atLeast(version, '2.75')) rejectUnknownParams(values, new Set(['host', 'binary']));
    authorize(contextOf(res), 'os_compute_api:os-services:list');
    const { host, binary } = values;
    const rows = (await services()).filter((row) => !host || row.host === host);
    const listed = binary && binary !== COMPUTE_BINARY ? [] : rows;
    res.json({ services: listed.map((row) => serviceView(row, version)) });
  });

  router.put('/os-services/:id', async (req: Request, res: Response) => {
    const version = versionOf(res);
    const id = String(req.params['id']);
    const ctx = contextOf(res);
    if (!atLeast(version, '2.53')) {
      requireFields(req.body, ['host', 'binary']);
      const body = parseWith(atLeast(version, '2.11') ? legacyBody211 : legacyBody, req.body);
      authorize(ctx, 'os_compute_api:os-services:update');
      const { change, reply } = legacyAction(id, body, version);
      if (body.binary !== COMPUTE_BINARY) {
        throw new BadRequest(
          `Updating a ${body.binary} service is not supported. Only nova-compute services can be updated.`,
        );
      }
      if (!(await services()).some((row) => row.host === body.host)) {
        throw new ItemNotFound(`Host '${body.host}' is not mapped to any cell`);
      }
      await deps.operations.updateHost(body.host, updateServiceUpdate, change);
      res.json({ service: reply });
      return;
    }
    const body = parseWith(body253, req.body);
    if (!isUuid(id)) throw new BadRequest(`Invalid uuid ${id}`);
    authorize(ctx, 'os_compute_api:os-services:update');
    const row = findService(await services(), id);
    await deps.operations.updateHost(row.host, updateServiceUpdate, change253(body));
    const updated = findService(await services(), id);
    res.json({ service: serviceView(updated, version) });
  });

  return router;
}

function findService(rows: readonly ServiceRow[], id: string): ServiceRow {
  const row = rows.find((r) => serviceUuid(r.host) === id.toLowerCase());
  if (!row) throw new ItemNotFound(`Service ${id} could not be found.`);
  return row;
}
