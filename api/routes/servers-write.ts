import { randomBytes, randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Sql } from 'postgres';
import type { InstanceRow } from '../../domain/rows';
import { createServerWorkflow } from '../../workflows/create-server';
import { SERVER_ACTIONS } from '../actions';
import { generateAdminPassword } from '../admin-password';
import { startInterrupting } from '../actions/action';
import { deletionOf } from '../actions/deferred-delete';
import { contextOf } from '../context';
import { BadRequest, ItemNotFound, instanceNotFound } from '../errors';
import { baseUrl, selfLinks } from '../links';
import { atLeast, versionOf, type ApiVersion } from '../microversion';
import type { Operations } from '../operations';
import { getVisibleFlavor } from '../queries/flavors';
import { getImage } from '../queries/images';
import { getKeyPair } from '../queries/keypairs';
import { getInstance } from '../queries/instances';
import { instanceFlavor } from '../actions/flavor';
import { bootImageId, createServerBody, hostnameParameterAt, idFromRef } from '../schemas/create-server';
import { authorize } from '../policy/enforce';
import { parseWith } from '../validation';

export interface ServersWriteDeps {
  sql: Sql;
  operations: Operations;
  /** Nova's service_down_time (60 s when not given). */
  serviceDownTimeMs?: number | undefined;
  /** Seals admin passwords for the hosts (changePassword). */
  guestSecret?: string | undefined;
}

const DEFAULT_SERVICE_DOWN_TIME_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The hostname a create stores: the requested one from 2.90 (Nova's hostname, an FQDN from 2.94), null when none
 * is given (the conductor then sanitizes the name, as Nova does). Before 2.90 Nova's schema has no hostname.
 */
function createHostname(requested: string | undefined, version: ApiVersion): string | null {
  if (requested === undefined) return null;
  const hostname = hostnameParameterAt(version);
  const server = hostname ? z.strictObject({ hostname }) : z.strictObject({});
  parseWith(z.strictObject({ server }), { server: { hostname: requested } });
  return requested;
}

/** Nova checks an action body's shape before anything else: exactly one key, and a known one. */
function actionOf(body: unknown): { key: string; value: unknown } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Malformed request body');
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new BadRequest('Malformed request body');
  const key = keys[0]!;
  return { key, value: (body as Record<string, unknown>)[key] };
}

async function loadInstance(deps: ServersWriteDeps, req: Request, res: Response): Promise<InstanceRow> {
  const id = String(req.params['id']);
  const instance = UUID.test(id) ? await getInstance(deps.sql, id, contextOf(res)) : null;
  if (!instance) throw instanceNotFound(id);
  return instance;
}

function callDeps(deps: ServersWriteDeps, req: Request, res: Response) {
  return {
    baseUrl: baseUrl(req),
    ctx: contextOf(res),
    operations: deps.operations,
    sql: deps.sql,
    serviceDownTimeMs: deps.serviceDownTimeMs ?? DEFAULT_SERVICE_DOWN_TIME_MS,
    guestSecret: deps.guestSecret,
  };
}

/** POST /servers, DELETE /servers/{id}, POST /servers/{id}/action: validate, check, start a workflow, reply. */
export function createServersWriteRouter(deps: ServersWriteDeps): Router {
  const router = Router();

  router.post('/servers', async (req, res) => {
    const { server } = parseWith(createServerBody, req.body);
    const hostname = createHostname(server.hostname, versionOf(res));
    const ctx = contextOf(res);
    authorize(ctx, 'os_compute_api:servers:create', { projectId: ctx.projectId });
    if (server.networks === undefined && atLeast(versionOf(res), '2.37')) {
      throw new BadRequest("Invalid input for field/attribute server. Value: None. 'networks' is a required property");
    }
    const flavorRow = await getVisibleFlavor(deps.sql, idFromRef(server.flavorRef), ctx);
    if (!flavorRow || flavorRow.disabled) throw new BadRequest('Invalid flavorRef provided.');
    const boot = bootImageId(server);
    if (boot.message) throw new BadRequest(boot.message);
    const imageId = boot.imageId;
    // Nova asks the image service with the caller's token: another project's private image is not found.
    const image = UUID.test(imageId) ? await getImage(deps.sql, imageId, ctx) : null;
    if (!image) throw new BadRequest('Can not find requested image');
    if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
    const flavor = instanceFlavor(flavorRow);
    const keyPair = server.key_name === undefined ? null : await getKeyPair(deps.sql, ctx.userId, server.key_name);
    if (server.key_name !== undefined && !keyPair) throw new BadRequest('Invalid key_name provided.');
    const instanceUuid = randomUUID();
    await deps.operations.start({
      workflow: createServerWorkflow,
      input: {
        settings: deps.operations.settings,
        server: {
          instanceUuid,
          requestId: ctx.requestId,
          userId: ctx.userId,
          projectId: ctx.projectId,
          name: server.name,
          flavor,
          imageId: image.id,
          // Uploaded images boot from their stored bytes; the built-in base images have none.
          imageSha256: image.store_sha256,
          metadata: server.metadata ?? {},
          availabilityZone: server.availability_zone ?? null,
          keyName: keyPair?.name ?? null,
          keyData: keyPair?.public_key ?? null,
          userData: server.user_data ?? null,
          description: server.description ?? null,
          hostname,
          reservationId: `r-${randomBytes(4).toString('hex')}`,
        },
      },
      instanceUuid,
      operation: 'create',
      ctx,
      summary: `create server ${server.name} (${instanceUuid}) with flavor ${flavor.name}, requested by ${ctx.userId}`,
      busyMessage: async () => `Instance ${instanceUuid} is already being created`,
    });
    const links = selfLinks(baseUrl(req), 'servers', instanceUuid);
    res
      .status(202)
      .location(links[0]!.href)
      .json({
        server: {
          id: instanceUuid,
          links,
          'OS-DCF:diskConfig': server['OS-DCF:diskConfig'] ?? 'MANUAL',
          security_groups: [{ name: 'default' }],
          adminPass: server.adminPass ?? generateAdminPassword(),
        },
      });
  });

  router.delete('/servers/:id', async (req, res) => {
    const instance = await loadInstance(deps, req, res);
    authorize(contextOf(res), 'os_compute_api:servers:delete', { projectId: instance.project_id });
    // Nova lets delete interrupt anything: the running operation rolls back first, then the delete starts.
    await startInterrupting(
      { ...callDeps(deps, req, res), instance, version: versionOf(res) },
      deletionOf(deps.operations.settings),
    );
    res.status(204).end();
  });

  router.post('/servers/:id/action', async (req, res) => {
    const { key, value } = actionOf(req.body);
    const action = SERVER_ACTIONS.get(key);
    if (!action) throw new BadRequest(`There is no such action: ${key}`);
    const version = versionOf(res);
    if (action.minVersion && !atLeast(version, action.minVersion)) {
      throw new ItemNotFound('The resource could not be found.');
    }
    const parsed: unknown = parseWith(action.schemaAt?.(version) ?? action.schema, value, key);
    const instance = await loadInstance(deps, req, res);
    authorize(contextOf(res), action.policy, { projectId: instance.project_id });
    const call = { ...callDeps(deps, req, res), instance, version };
    const reply = await action.handle(parsed, call);
    if (reply.location) res.location(reply.location);
    if (reply.headers) res.set(reply.headers);
    if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  });

  return router;
}
