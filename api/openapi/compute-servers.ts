import { z } from 'zod';
import { serverListSchema } from '../routes/server-list-query';
import { createServerBody } from '../schemas/create-server';
import { serverMetadataBody, serverMetadataItemBody } from '../schemas/server-metadata';
import { instanceActionBodySchema, instanceActionsListSchema } from '../views/instance-action-schema';
import { serverMigrationBodySchema, serverMigrationsListSchema } from '../views/migration-schema';
import { serverMetadataSchema, serverMetaItemSchema } from '../views/server-metadata-schema';
import { updateServerBodyAt } from '../schemas/update-server';
import { serverBodySchema, serverSummarySchema, updateBodySchema } from '../views/server-schema';
import { serverActionAcceptedBody, serverActionBody, serverActionOkBody } from './server-actions';
import { COMPUTE_ERRORS, COMPUTE_WRITE_ERRORS, constant, type OperationSpec } from './spec';

const links = z.array(z.strictObject({ rel: z.string(), href: z.string() }));

const createdServer = z.strictObject({
  server: z.strictObject({
    id: z.string(),
    links,
    'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']),
    security_groups: z.array(z.strictObject({ name: z.string() })),
    adminPass: z.string().optional(),
  }),
});

const compute = { api: 'compute', tag: 'servers' } as const;
const metadata = { api: 'compute', tag: 'server metadata' } as const;
const METADATA_PATH = '/v2.1/servers/{server_id}/metadata';

/** The metadata API: reads from the database, writes through the conductor (409 while another operation runs). */
const METADATA_OPERATIONS: OperationSpec[] = [
  {
    ...metadata,
    method: 'get',
    path: METADATA_PATH,
    summary: "List a server's metadata",
    responses: [{ status: 200, description: 'The metadata', schema: constant(serverMetadataSchema) }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  ...(['post', 'put'] as const).map((method): OperationSpec => ({
    ...metadata,
    method,
    path: METADATA_PATH,
    summary: method === 'post' ? "Merge items into a server's metadata" : "Replace a server's metadata",
    body: constant(serverMetadataBody),
    // Nova answers 200 (not 201) with the whole metadata after the write.
    responses: [{ status: 200, description: 'The metadata after the write', schema: constant(serverMetadataSchema) }],
    errors: COMPUTE_WRITE_ERRORS,
  })),
  {
    ...metadata,
    method: 'get',
    path: `${METADATA_PATH}/{key}`,
    summary: 'Show one metadata item',
    responses: [{ status: 200, description: 'The item', schema: constant(serverMetaItemSchema) }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...metadata,
    method: 'put',
    path: `${METADATA_PATH}/{key}`,
    summary: "Set one metadata item: the body's only key is the URI's",
    body: constant(serverMetadataItemBody),
    responses: [{ status: 200, description: 'The item', schema: constant(serverMetaItemSchema) }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...metadata,
    method: 'delete',
    path: `${METADATA_PATH}/{key}`,
    summary: 'Delete one metadata item',
    responses: [{ status: 204, description: 'Deleted' }],
    errors: COMPUTE_WRITE_ERRORS,
  },
];

/** Servers, their actions and metadata, instance actions and in-progress live migrations. */
export const SERVER_OPERATIONS: OperationSpec[] = [
  {
    ...compute,
    method: 'get',
    path: '/v2.1/servers',
    summary: 'List servers',
    query: () => serverListSchema,
    responses: [
      {
        status: 200,
        description: 'Servers (id, name, links)',
        schema: constant(z.strictObject({ servers: z.array(serverSummarySchema), servers_links: links.optional() })),
      },
    ],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    method: 'get',
    path: '/v2.1/servers/detail',
    summary: 'List servers with details',
    query: () => serverListSchema,
    responses: [
      {
        status: 200,
        description: 'Servers',
        schema: (v) =>
          z.strictObject({ servers: z.array(serverBodySchema(v, { inList: true })), servers_links: links.optional() }),
      },
    ],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    method: 'get',
    path: '/v2.1/servers/{id}',
    summary: 'Show a server',
    responses: [
      { status: 200, description: 'The server', schema: (v) => z.strictObject({ server: serverBodySchema(v) }) },
    ],
    errors: COMPUTE_ERRORS,
  },
  {
    ...compute,
    method: 'put',
    path: '/v2.1/servers/{id}',
    summary:
      'Update a server: name, description, access IPs, disk config, hostname (any state; an updateServer workflow)',
    body: updateServerBodyAt,
    responses: [
      {
        status: 200,
        description: 'The server as updated',
        schema: (v) => z.strictObject({ server: updateBodySchema(v) }),
      },
    ],
    errors: [...COMPUTE_ERRORS, 403, 413, 503],
  },
  {
    ...compute,
    method: 'post',
    path: '/v2.1/servers',
    summary: 'Create a server (a createServer workflow)',
    body: constant(createServerBody),
    idempotent: true,
    responses: [{ status: 202, description: 'Accepted: the server is building', schema: constant(createdServer) }],
    errors: [...COMPUTE_WRITE_ERRORS, 422],
  },
  {
    ...compute,
    method: 'delete',
    path: '/v2.1/servers/{id}',
    summary: 'Delete a server (interrupts the running operation)',
    responses: [{ status: 204, description: 'Deleting' }],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...compute,
    method: 'post',
    path: '/v2.1/servers/{id}/action',
    summary: 'Run a server action (stop, start, reboot, resize, migrate, live migrate, evacuate, shelve...)',
    body: serverActionBody,
    idempotent: true,
    responses: [
      { status: 200, description: 'Done (rescue, evacuate, os-getConsoleOutput)', schema: serverActionOkBody },
      { status: 202, description: 'Accepted', schema: serverActionAcceptedBody },
      { status: 204, description: 'Done (confirmResize)' },
    ],
    errors: [...COMPUTE_WRITE_ERRORS, 422, 503],
  },
  {
    ...compute,
    tag: 'instance actions',
    method: 'get',
    path: '/v2.1/servers/{server_id}/os-instance-actions',
    summary: "List a server's actions",
    responses: [{ status: 200, description: 'Instance actions', schema: instanceActionsListSchema }],
    errors: COMPUTE_ERRORS,
  },
  {
    ...compute,
    tag: 'instance actions',
    method: 'get',
    path: '/v2.1/servers/{server_id}/os-instance-actions/{request_id}',
    summary: 'Show an instance action and its events, with its Temporal workflow',
    responses: [{ status: 200, description: 'The action', schema: instanceActionBodySchema }],
    errors: COMPUTE_ERRORS,
  },
  {
    ...compute,
    tag: 'server migrations',
    method: 'get',
    path: '/v2.1/servers/{server_id}/migrations',
    summary: "List a server's in-progress live migrations",
    adminOnly: true,
    since: '2.23',
    responses: [{ status: 200, description: 'Migrations', schema: serverMigrationsListSchema }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    tag: 'server migrations',
    method: 'get',
    path: '/v2.1/servers/{server_id}/migrations/{migration_id}',
    summary: 'Show an in-progress live migration',
    adminOnly: true,
    since: '2.23',
    responses: [{ status: 200, description: 'The migration', schema: serverMigrationBodySchema }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    tag: 'server migrations',
    method: 'delete',
    path: '/v2.1/servers/{server_id}/migrations/{migration_id}',
    summary: 'Abort a live migration',
    adminOnly: true,
    since: '2.24',
    responses: [{ status: 202, description: 'Aborting' }],
    errors: [...COMPUTE_WRITE_ERRORS, 503],
  },
  {
    ...compute,
    tag: 'server migrations',
    method: 'post',
    path: '/v2.1/servers/{server_id}/migrations/{migration_id}/action',
    summary: 'Force a live migration to complete',
    adminOnly: true,
    since: '2.22',
    body: constant(z.strictObject({ force_complete: z.null() })),
    responses: [{ status: 202, description: 'Forcing' }],
    errors: [...COMPUTE_WRITE_ERRORS, 503],
  },
  {
    ...compute,
    tag: 'server password',
    method: 'get',
    path: '/v2.1/servers/{server_id}/os-server-password',
    summary: "Show the server's admin password, encrypted with its ssh-rsa key (empty when none is stored)",
    responses: [
      {
        status: 200,
        description: 'The encrypted password, base64',
        schema: constant(z.strictObject({ password: z.string() })),
      },
    ],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    tag: 'server password',
    method: 'delete',
    path: '/v2.1/servers/{server_id}/os-server-password',
    summary: "Forget the stored password (the guest's own password is unchanged)",
    responses: [{ status: 204, description: 'Cleared' }],
    errors: [...COMPUTE_ERRORS, 403, 503],
  },
  ...METADATA_OPERATIONS,
];
