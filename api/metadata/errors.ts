import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * A refusal of the metadata service. Nova raises webob HTTP exceptions there, not compute API faults, so the
 * body is webob's plain text (`403 Forbidden\n\n<explanation>\n\n   `), never JSON and never instance data.
 */
export abstract class MetadataError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
}

/** 403: no valid proxy signature for the X-Instance-ID. */
export class InvalidProxySignature extends MetadataError {
  readonly status = 403;
  readonly title = 'Forbidden';
  constructor() {
    super('Invalid proxy request signature.');
  }
}

/** 400: a signed request without the header naming the project. */
export class MissingProxyHeader extends MetadataError {
  readonly status = 400;
  readonly title = 'Bad Request';
  constructor(header: string) {
    super(`${header} header is missing from request.`);
  }
}

/** 404: no such path, or no such instance for this project (deleted, unknown or another project's). */
export class MetadataNotFound extends MetadataError {
  readonly status = 404;
  readonly title = 'Not Found';
  constructor() {
    super('The resource could not be found.');
  }
}

/** 405: the service only answers reads (and a guest's POST of its password). */
export class MetadataMethodNotAllowed extends MetadataError {
  readonly status = 405;
  readonly title = 'Method Not Allowed';
  constructor(method: string) {
    super(`The method ${method} is not allowed for this resource.`);
  }
}

/** 400: a request Nova refuses as such (a posted password too large, or not text). */
export class MetadataBadRequest extends MetadataError {
  readonly status = 400;
  readonly title = 'Bad Request';
}

/** 409: a guest posting its password once one is stored. */
export class MetadataConflict extends MetadataError {
  readonly status = 409;
  readonly title = 'Conflict';
  constructor() {
    super('There was a conflict when trying to complete your request.');
  }
}

/** 503: a write the conductor did not make in time; the guest may post again. */
export class MetadataUnavailable extends MetadataError {
  readonly status = 503;
  readonly title = 'Service Unavailable';
  constructor() {
    super('The server is currently unavailable. Please try your request again at a later time.');
  }
}

function render(status: number, title: string, explanation: string): string {
  return `${status} ${title}\n\n${explanation}\n\n   `;
}

/** The only translator of the metadata service: refusals as webob renders them, anything else a logged 500. */
export function createMetadataErrorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof MetadataError) {
      res
        .status(err.status)
        .type('text/plain')
        .send(render(err.status, err.title, err.message));
      return;
    }
    log.error({ err }, 'metadata request failed');
    res
      .status(500)
      .type('text/plain')
      .send(render(500, 'Internal Server Error', 'An unknown error has occurred. Please try your request again.'));
  };
}
