import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  isGrpcServiceError,
} from '@temporalio/client';
import type { Logger } from 'pino';
import { requestLog } from './request-log';

/** An error a client sees, rendered as Nova's `{"<fault>": {"code": N, "message": "..."}}`. */
export abstract class NovaError extends Error {
  abstract readonly status: number;
  abstract readonly fault: string;
}

/** 400: the request is malformed or names something that cannot be used. */
export class BadRequest extends NovaError {
  readonly status = 400;
  readonly fault = 'badRequest';
}

/** 403: policy forbids the call. */
export class Forbidden extends NovaError {
  readonly status = 403;
  readonly fault = 'forbidden';
}

/** 404: the resource does not exist (or belongs to another project). */
export class ItemNotFound extends NovaError {
  readonly status = 404;
  readonly fault = 'itemNotFound';
}

/** 405: the route exists but not with this method. */
export class MethodNotAllowed extends NovaError {
  readonly status = 405;
  readonly fault = 'badMethod';
}

/** 406: the requested microversion is outside what this service supports (Nova renders it as computeFault). */
export class VersionNotSupported extends NovaError {
  readonly status = 406;
  readonly fault = 'computeFault';
}

/** 409: the instance's state forbids the action, or another operation holds it. */
export class InstanceInvalidState extends NovaError {
  readonly status = 409;
  readonly fault = 'conflictingRequest';
}

/** 409: the request conflicts with what exists (a name or id taken, access already granted). */
export class Conflict extends NovaError {
  readonly status = 409;
  readonly fault = 'conflictingRequest';
}

/** 413: the body is larger than the service accepts. */
export class RequestTooLarge extends NovaError {
  readonly status = 413;
  readonly fault = 'overLimit';
}

/** 415: the body is not JSON. */
export class UnsupportedMediaType extends NovaError {
  readonly status = 415;
  readonly fault = 'badMediaType';
}

/**
 * 422: the request is well formed but cannot be taken as it is (an Idempotency-Key reused with another request).
 * Nova's fault wrapper names codes it has no name for `computeFault`.
 */
export class UnprocessableEntity extends NovaError {
  readonly status = 422;
  readonly fault = 'computeFault';
}

/** 501: the deployment cannot do what is asked (changePassword with no secret to seal passwords with). */
export class NotImplemented extends NovaError {
  readonly status = 501;
  readonly fault = 'notImplemented';
}

/** 503: a backend (Temporal, PostgreSQL) cannot be reached right now. */
export class ServiceUnavailable extends NovaError {
  readonly status = 503;
  readonly fault = 'serviceUnavailable';
}

/** Nova's ComputeServiceUnavailable: the host did not take a step a request waits for. */
export function computeServiceUnavailable(host: string): InstanceInvalidState {
  return new InstanceInvalidState(`Compute service of ${host} is unavailable at this time.`);
}

export function instanceNotFound(uuid: string): ItemNotFound {
  return new ItemNotFound(`Instance ${uuid} could not be found.`);
}

function novaBody(status: number, fault: string, message: string): Record<string, unknown> {
  return { [fault]: { code: status, message } };
}

const GRPC_UNAVAILABLE = [4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */];

/** Translates any error into Nova's error format. The only place where errors become HTTP. */
export function translateError(err: unknown): NovaError | null {
  if (err instanceof NovaError) return err;
  const bodyParser = err as { type?: string; status?: number };
  if (bodyParser.type === 'entity.parse.failed') return new BadRequest('Malformed request body');
  if (bodyParser.type === 'entity.too.large') return new RequestTooLarge('Request is too large.');
  if (bodyParser.type === 'charset.unsupported' || bodyParser.type === 'encoding.unsupported') {
    return new UnsupportedMediaType('Unsupported Content-Type');
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return new InstanceInvalidState('Another operation is in progress on this instance.');
  }
  if (err instanceof WorkflowNotFoundError) return new ItemNotFound('The resource could not be found.');
  // The client wraps some calls' gRPC errors (a result's history read) in a ServiceError with the gRPC one as cause.
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (isGrpcServiceError(grpc) && GRPC_UNAVAILABLE.includes(grpc.code)) {
    return new ServiceUnavailable('Service is unavailable at this time.');
  }
  return null;
}

export function createErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const nova = translateError(err);
    if (nova) {
      requestLog(res, log).info({ status: nova.status, method: req.method, url: req.originalUrl }, nova.message);
      res.status(nova.status).json(novaBody(nova.status, nova.fault, nova.message));
      return;
    }
    requestLog(res, log).error({ err, method: req.method, url: req.originalUrl }, 'unexpected error');
    res
      .status(500)
      .json(novaBody(500, 'computeFault', 'Unexpected API Error. Please report this at the project tracker.'));
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new ItemNotFound('The resource could not be found.'));
};
