import { z } from 'zod';
import { IDEMPOTENCY_HEADER } from '../idempotency/middleware';
import {
  atLeast,
  compareVersions,
  formatVersion,
  MAX_VERSION,
  MIN_VERSION,
  parseVersion,
  type ApiVersion,
} from '../microversion';
import { OPERATIONS } from './operations';
import type { OperationSpec, RawSchema, ResponseSpec, SchemaAt } from './spec';

type Json = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): what a request may send, what a reply holds. */
function jsonSchemaOf(schema: SchemaAt | RawSchema, version: ApiVersion, io: 'input' | 'output'): Json {
  if (typeof schema !== 'function') return schema.json;
  const { $schema: _, ...json } = z.toJSONSchema(schema(version), {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Json;
  return json;
}

// Each API keeps its own error body: Nova's, Keystone's, and Glance's (webob's, JSON or HTML by Accept).
const NOVA_ERROR: Json = {
  type: 'object',
  description: '{"<fault>": {"code": <status>, "message": "..."}}',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { type: 'integer' }, message: { type: 'string' } },
  },
};
const KEYSTONE_ERROR: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'title'],
      properties: { code: { type: 'integer' }, message: { type: 'string' }, title: { type: 'string' } },
    },
  },
};
const GLANCE_ERROR: Json = {
  type: 'object',
  required: ['message', 'code', 'title'],
  properties: { message: { type: 'string' }, code: { type: 'string' }, title: { type: 'string' } },
};

function errorResponse(op: OperationSpec, status: number): Json {
  const description = `Error ${status}`;
  if (op.api === 'image') {
    const text = { schema: { type: 'string' } };
    return {
      description,
      content: { 'application/json': { schema: GLANCE_ERROR }, 'text/html': text, 'text/plain': text },
    };
  }
  const schema = op.api === 'identity' ? KEYSTONE_ERROR : { $ref: '#/components/schemas/NovaError' };
  return { description, content: { 'application/json': { schema } } };
}

function successResponse(response: ResponseSpec, version: ApiVersion): Json {
  if (!response.schema && !response.contentType) return { description: response.description };
  const schema = response.schema ? jsonSchemaOf(response.schema, version, 'output') : { type: 'string' };
  return { description: response.description, content: { [response.contentType ?? 'application/json']: { schema } } };
}

function parameters(op: OperationSpec, version: ApiVersion): Json[] {
  const params: Json[] = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = op.query?.(version);
  for (const [name, schema] of Object.entries(query?.shape ?? {})) {
    const json = z.toJSONSchema(schema as z.ZodType, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
    const { $schema: _, ...rest } = json as Json;
    params.push({ name, in: 'query', required: false, schema: rest });
  }
  if (op.api === 'compute') {
    params.push({
      name: 'OpenStack-API-Version',
      in: 'header',
      required: true,
      description: 'The microversion this document describes (see ?microversion= on /openapi.json for others)',
      schema: { type: 'string', enum: [`compute ${formatVersion(version)}`] },
    });
  }
  if (op.idempotent) {
    params.push({
      name: IDEMPOTENCY_HEADER,
      in: 'header',
      required: false,
      description:
        'A retry with the same key and body gets the first answer; another body is a 422 (24 h, per project)',
      schema: { type: 'string', pattern: '^[\\x20-\\x7e]{1,255}$' },
    });
  }
  return params;
}

function operationObject(op: OperationSpec, version: ApiVersion): Json {
  const responses: Json = {};
  for (const response of op.responses) responses[String(response.status)] = successResponse(response, version);
  for (const status of op.errors) responses[String(status)] ??= errorResponse(op, status);
  const body = op.body && {
    required: true,
    content: { [op.bodyContentType ?? 'application/json']: { schema: jsonSchemaOf(op.body, version, 'input') } },
  };
  return {
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
    summary: op.adminOnly ? `${op.summary} (admin)` : op.summary,
    tags: [op.tag],
    parameters: parameters(op, version),
    ...(body ? { requestBody: body } : {}),
    responses,
    security: op.api === 'compute' || op.api === 'image' ? [{ keystone: [] }, {}] : [],
    ...(op.adminOnly ? { 'x-admin-only': true } : {}),
  };
}

/** Whether the operation exists at the microversion. */
function existsAt(op: OperationSpec, version: ApiVersion): boolean {
  if (op.since && !atLeast(version, op.since)) return false;
  const until = op.until === undefined ? null : parseVersion(op.until);
  return until === null || compareVersions(version, until) <= 0;
}

/**
 * The OpenAPI 3.1 document of the API at one microversion, built from the same zod schemas the routers parse
 * requests with and the views are checked against.
 */
export function openApiDocument(version: ApiVersion): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    if (!existsAt(op, version)) continue;
    (paths[op.path] ??= {})[op.method] = operationObject(op, version);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'nova-temporal: compute API v2.1, identity v3, image v2',
      version: formatVersion(version),
      description:
        `OpenStack Nova's compute API with every operation a durable Temporal workflow. This document describes ` +
        `microversion ${formatVersion(version)}; /openapi.json?microversion=N.M gives another ` +
        `(${MIN_VERSION} to ${MAX_VERSION}). Generated from the service's zod schemas.`,
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { NovaError: NOVA_ERROR },
      securitySchemes: {
        keystone: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'A token from /identity/v3' },
      },
    },
  };
}
