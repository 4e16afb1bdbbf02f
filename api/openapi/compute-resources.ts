import { flavorListSchema } from '../routes/flavors';
import { imageListSchema } from '../routes/images';
import { createSchema as keyPairCreateBody, listSchema as keyPairListQuery } from '../routes/keypairs';
import { flavorBodySchema, flavorsListSchema } from '../views/flavor-schema';
import { imageBodySchema, imagesListSchema } from '../views/image-schema';
import { keyPairBodySchema, keyPairCreatedSchema, keyPairsListSchema } from '../views/keypair-schema';
import { limitsSchema } from '../views/limits';
import { COMPUTE_ERRORS, COMPUTE_WRITE_ERRORS, constant, type OperationSpec } from './spec';

const compute = { api: 'compute' } as const;

/** Flavors, the image proxy, key pairs and limits. */
export const RESOURCE_OPERATIONS: OperationSpec[] = [
  ...(['', '/detail'] as const).map((suffix): OperationSpec => ({
    ...compute,
    tag: 'flavors',
    method: 'get',
    path: `/v2.1/flavors${suffix}`,
    summary: suffix ? 'List flavors with details' : 'List flavors',
    query: () => flavorListSchema,
    responses: [{ status: 200, description: 'Flavors', schema: (v) => flavorsListSchema(v, { detail: !!suffix }) }],
    errors: COMPUTE_ERRORS,
  })),
  {
    ...compute,
    tag: 'flavors',
    method: 'get',
    path: '/v2.1/flavors/{id}',
    summary: 'Show a flavor',
    responses: [{ status: 200, description: 'The flavor', schema: flavorBodySchema }],
    errors: COMPUTE_ERRORS,
  },
  ...(['', '/detail'] as const).map((suffix): OperationSpec => ({
    ...compute,
    tag: 'images',
    method: 'get',
    path: `/v2.1/images${suffix}`,
    summary: suffix ? 'List images with details (image proxy)' : 'List images (image proxy)',
    until: '2.35',
    query: () => imageListSchema,
    responses: [{ status: 200, description: 'Images', schema: () => imagesListSchema({ detail: !!suffix }) }],
    errors: COMPUTE_ERRORS,
  })),
  {
    ...compute,
    tag: 'images',
    method: 'get',
    path: '/v2.1/images/{id}',
    summary: 'Show an image (image proxy)',
    until: '2.35',
    responses: [{ status: 200, description: 'The image', schema: constant(imageBodySchema) }],
    errors: COMPUTE_ERRORS,
  },
  {
    ...compute,
    tag: 'key pairs',
    method: 'get',
    path: '/v2.1/os-keypairs',
    summary: "List the user's key pairs",
    query: () => keyPairListQuery,
    responses: [{ status: 200, description: 'Key pairs', schema: keyPairsListSchema }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    tag: 'key pairs',
    method: 'post',
    path: '/v2.1/os-keypairs',
    summary: 'Import a public key, or generate a pair (before 2.92)',
    body: keyPairCreateBody,
    responses: [
      { status: 200, description: 'Created (before 2.2)', schema: keyPairCreatedSchema },
      { status: 201, description: 'Created (2.2 on)', schema: keyPairCreatedSchema },
    ],
    errors: COMPUTE_WRITE_ERRORS,
  },
  {
    ...compute,
    tag: 'key pairs',
    method: 'get',
    path: '/v2.1/os-keypairs/{name}',
    summary: 'Show a key pair',
    query: () => keyPairListQuery.pick({ user_id: true }),
    responses: [{ status: 200, description: 'The key pair', schema: keyPairBodySchema }],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    tag: 'key pairs',
    method: 'delete',
    path: '/v2.1/os-keypairs/{name}',
    summary: 'Delete a key pair',
    query: () => keyPairListQuery.pick({ user_id: true }),
    responses: [
      { status: 202, description: 'Deleted (before 2.2)' },
      { status: 204, description: 'Deleted (2.2 on)' },
    ],
    errors: [...COMPUTE_ERRORS, 403],
  },
  {
    ...compute,
    tag: 'limits',
    method: 'get',
    path: '/v2.1/limits',
    summary: "The project's absolute limits and usage",
    responses: [{ status: 200, description: 'Limits', schema: limitsSchema }],
    errors: [...COMPUTE_ERRORS, 403],
  },
];
