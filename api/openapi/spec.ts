import type { z } from 'zod';
import type { ApiVersion } from '../microversion';

/** A schema at a microversion: zod (the very object a router parses with or a view is checked against). */
export type SchemaAt = (version: ApiVersion) => z.ZodType;

/** A JSON schema the service publishes as it is (Glance's image schema). */
export interface RawSchema {
  json: Record<string, unknown>;
}

export interface ResponseSpec {
  status: number;
  description: string;
  schema?: SchemaAt | RawSchema;
  /** `application/json` unless said otherwise. */
  contentType?: string;
}

export type HttpMethod = 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete';

/** One operation of the document: the route, what it takes, what it answers. */
export interface OperationSpec {
  method: HttpMethod;
  /** OpenAPI path with express's parameter names (`/v2.1/servers/{id}`). */
  path: string;
  summary: string;
  tag: string;
  /** Which API the operation belongs to: microversion and token header apply to `compute`. */
  api: 'compute' | 'identity' | 'image' | 'public';
  adminOnly?: boolean;
  /** The first microversion with the operation; the last one that still has it. */
  since?: string;
  until?: string;
  query?: (version: ApiVersion) => z.ZodObject;
  body?: SchemaAt | RawSchema;
  bodyContentType?: string;
  /** Accepts Idempotency-Key. */
  idempotent?: boolean;
  responses: ResponseSpec[];
  /** Error codes in the API's error format. */
  errors: number[];
}

/** Error codes every compute call may answer: bad or unsupported microversion, no token, unknown route. */
export const COMPUTE_ERRORS = [400, 401, 404, 406];
/** Plus those of calls with a body: too large, not allowed, in conflict. */
export const COMPUTE_WRITE_ERRORS = [...COMPUTE_ERRORS, 403, 409, 413];

export const constant =
  (schema: z.ZodType): SchemaAt =>
  () =>
    schema;
