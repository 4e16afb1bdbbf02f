import { ADMIN_OPERATIONS } from './compute-admin';
import { FLAVOR_OPERATIONS } from './compute-flavors';
import { RESOURCE_OPERATIONS } from './compute-resources';
import { SERVER_OPERATIONS } from './compute-servers';
import { SERVICE_OPERATIONS } from './service-operations';
import type { OperationSpec } from './spec';

/** The document's own routes. */
const DOCS_OPERATIONS: OperationSpec[] = [
  {
    api: 'public',
    tag: 'documentation',
    method: 'get',
    path: '/openapi.json',
    summary: 'This document, at the microversion in ?microversion= (the latest by default)',
    responses: [{ status: 200, description: 'OpenAPI 3.1' }],
    errors: [400, 406],
  },
  {
    api: 'public',
    tag: 'documentation',
    method: 'get',
    path: '/docs',
    summary: 'An interactive page over this document',
    responses: [{ status: 200, description: 'HTML', contentType: 'text/html' }],
    errors: [],
  },
  {
    api: 'public',
    tag: 'documentation',
    method: 'get',
    path: '/docs/init.js',
    summary: "The page's script: Swagger UI over /openapi.json",
    responses: [{ status: 200, description: 'JavaScript', contentType: 'application/javascript' }],
    errors: [],
  },
];

/** Every route the API process serves on its main port, one entry per method and path. */
export const OPERATIONS: readonly OperationSpec[] = [
  ...SERVER_OPERATIONS,
  ...RESOURCE_OPERATIONS,
  ...FLAVOR_OPERATIONS,
  ...ADMIN_OPERATIONS,
  ...SERVICE_OPERATIONS,
  ...DOCS_OPERATIONS,
];
