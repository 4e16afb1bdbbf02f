import { z } from 'zod';
import { authRequest } from '../identity/auth-request';
import { imageSchema, imagesSchema } from '../image/schemas';
import type { OperationSpec } from './spec';

const links = z.array(z.object({ rel: z.string(), href: z.string(), type: z.string().optional() }));
const versionEntry = z.strictObject({
  id: z.string(),
  status: z.string(),
  version: z.string(),
  min_version: z.string(),
  updated: z.string(),
  links,
  'media-types': z.array(z.strictObject({ base: z.string(), type: z.string() })).optional(),
});
const text = { contentType: 'text/plain' };
const glanceImage = { json: imageSchema() };

const token = z.object({
  token: z.looseObject({
    methods: z.array(z.string()),
    user: z.looseObject({ id: z.string(), name: z.string() }),
    expires_at: z.string(),
    issued_at: z.string(),
  }),
});

const keystoneProject = z.looseObject({ id: z.string(), name: z.string(), domain_id: z.string() });

/** Version discovery, the metrics scrape, the identity service and the image service. */
export const SERVICE_OPERATIONS: OperationSpec[] = [
  {
    api: 'public',
    tag: 'versions',
    method: 'get',
    path: '/',
    summary: 'List the compute API versions',
    responses: [
      { status: 200, description: 'Versions', schema: () => z.strictObject({ versions: z.array(versionEntry) }) },
    ],
    errors: [],
  },
  {
    api: 'public',
    tag: 'versions',
    method: 'get',
    path: '/v2.1',
    summary: 'Describe v2.1: its minimum and maximum microversions',
    responses: [{ status: 200, description: 'The version', schema: () => z.strictObject({ version: versionEntry }) }],
    errors: [],
  },
  {
    api: 'public',
    tag: 'operations',
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of the API process',
    responses: [{ status: 200, description: 'Prometheus text format', ...text }],
    errors: [],
  },
  {
    api: 'identity',
    tag: 'identity',
    method: 'get',
    path: '/identity',
    summary: 'Identity version discovery',
    responses: [{ status: 300, description: 'The versions' }],
    errors: [],
  },
  {
    api: 'identity',
    tag: 'identity',
    method: 'get',
    path: '/identity/v3',
    summary: 'Identity v3',
    responses: [{ status: 200, description: 'The version' }],
    errors: [],
  },
  {
    api: 'identity',
    tag: 'identity',
    method: 'post',
    path: '/identity/v3/auth/tokens',
    summary: 'Authenticate with a password; the token is the X-Subject-Token header',
    body: () => authRequest,
    responses: [{ status: 201, description: 'A token with its catalog', schema: () => token }],
    errors: [400, 401, 404, 413, 415],
  },
  ...(['get', 'head'] as const).map((method): OperationSpec => ({
    api: 'identity',
    tag: 'identity',
    method,
    path: '/identity/v3/auth/tokens',
    summary: 'Validate the token in X-Subject-Token',
    responses: [{ status: 200, description: 'Valid', ...(method === 'get' ? { schema: () => token } : {}) }],
    errors: [400, 401, 404],
  })),
  {
    api: 'identity',
    tag: 'identity',
    method: 'delete',
    path: '/identity/v3/auth/tokens',
    summary: 'Revoke the token in X-Subject-Token',
    responses: [{ status: 204, description: 'Revoked' }],
    errors: [400, 401, 404],
  },
  {
    api: 'identity',
    tag: 'identity',
    method: 'get',
    path: '/identity/v3/projects',
    summary: 'List projects',
    responses: [
      {
        status: 200,
        description: 'Projects',
        schema: () => z.looseObject({ projects: z.array(keystoneProject) }),
      },
    ],
    errors: [401, 403],
  },
  {
    api: 'identity',
    tag: 'identity',
    method: 'get',
    path: '/identity/v3/projects/{id}',
    summary: 'Show a project',
    responses: [{ status: 200, description: 'The project', schema: () => z.looseObject({ project: keystoneProject }) }],
    errors: [401, 403, 404],
  },
  ...imageOperations(),
];

function imageOperations(): OperationSpec[] {
  const image = { api: 'image', tag: 'image service' } as const;
  const errors = [400, 401, 403, 404];
  return [
    {
      ...image,
      method: 'get',
      path: '/image',
      summary: 'Image API versions',
      responses: [{ status: 300, description: 'Versions' }],
      errors: [],
    },
    {
      ...image,
      method: 'get',
      path: '/image/versions',
      summary: 'Image API versions',
      responses: [{ status: 200, description: 'Versions' }],
      errors: [],
    },
    {
      ...image,
      method: 'get',
      path: '/image/v2',
      summary: 'Image API v2',
      responses: [{ status: 300, description: 'Versions' }],
      errors: [],
    },
    {
      ...image,
      method: 'get',
      path: '/image/v2/schemas/image',
      summary: "Glance's image schema",
      responses: [{ status: 200, description: 'The schema' }],
      errors,
    },
    {
      ...image,
      method: 'get',
      path: '/image/v2/schemas/images',
      summary: "Glance's images schema",
      responses: [{ status: 200, description: 'The schema' }],
      errors,
    },
    {
      ...image,
      method: 'get',
      path: '/image/v2/images',
      summary: 'List images',
      responses: [{ status: 200, description: 'Images', schema: { json: imagesSchema() } }],
      errors,
    },
    {
      ...image,
      method: 'post',
      path: '/image/v2/images',
      summary: 'Create an image record (queued)',
      body: glanceImage,
      responses: [{ status: 201, description: 'The image', schema: glanceImage }],
      errors: [...errors, 409, 413, 415],
    },
    {
      ...image,
      method: 'get',
      path: '/image/v2/images/{id}',
      summary: 'Show an image',
      responses: [{ status: 200, description: 'The image', schema: glanceImage }],
      errors,
    },
    {
      ...image,
      method: 'patch',
      path: '/image/v2/images/{id}',
      summary: 'Change an image (JSON patch)',
      body: { json: { type: 'array', items: { type: 'object' } } },
      bodyContentType: 'application/openstack-images-v2.1-json-patch',
      responses: [{ status: 200, description: 'The image', schema: glanceImage }],
      errors: [...errors, 409, 413, 415],
    },
    {
      ...image,
      method: 'delete',
      path: '/image/v2/images/{id}',
      summary: 'Delete an image',
      responses: [{ status: 204, description: 'Deleted' }],
      errors: [...errors, 409],
    },
    {
      ...image,
      method: 'put',
      path: '/image/v2/images/{id}/file',
      summary: 'Upload image data',
      body: { json: { type: 'string', format: 'binary' } },
      bodyContentType: 'application/octet-stream',
      responses: [{ status: 204, description: 'Stored; the image is active' }],
      errors: [...errors, 409, 413, 415],
    },
    {
      ...image,
      method: 'get',
      path: '/image/v2/images/{id}/file',
      summary: 'Download image data',
      responses: [
        { status: 200, description: 'The bytes', contentType: 'application/octet-stream' },
        { status: 204, description: 'The image has no data' },
      ],
      errors,
    },
    {
      ...image,
      method: 'put',
      path: '/image/v2/images/{id}/tags/{tag}',
      summary: 'Tag an image',
      responses: [{ status: 204, description: 'Tagged' }],
      errors: [...errors, 409, 413],
    },
    {
      ...image,
      method: 'delete',
      path: '/image/v2/images/{id}/tags/{tag}',
      summary: 'Untag an image',
      responses: [{ status: 204, description: 'Untagged' }],
      errors,
    },
  ];
}
