import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestLog } from '../request-log';

/** An identity error, rendered as Keystone's `{"error": {"code", "message", "title"}}`. */
export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** 401 with Keystone's fixed message: never says whether the user, the password or the project was wrong. */
export function unauthorized(): KeystoneError {
  return new KeystoneError(401, 'Unauthorized', 'The request you have made requires authentication.');
}

export function badRequest(message: string): KeystoneError {
  return new KeystoneError(400, 'Bad Request', message);
}

export function notFound(message: string): KeystoneError {
  return new KeystoneError(404, 'Not Found', message);
}

export function forbidden(): KeystoneError {
  return new KeystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action.');
}

/** The body parser's refusals, as Keystone words them. */
function bodyError(err: unknown): KeystoneError | null {
  const type = (err as { type?: string }).type;
  if (type === 'entity.parse.failed') return badRequest('Malformed request body');
  if (type === 'entity.too.large') return new KeystoneError(413, 'Request Entity Too Large', 'Request is too large.');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new KeystoneError(415, 'Unsupported Media Type', 'Unsupported Content-Type');
  }
  return null;
}

/** The identity router's translator: Keystone's error body, not Nova's. */
export function createKeystoneErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof KeystoneError ? err : bodyError(err);
    if (known) {
      requestLog(res, log).info({ status: known.status, method: req.method, url: req.originalUrl }, known.message);
      if (known.status === 401) res.setHeader('WWW-Authenticate', 'Keystone uri="/identity/v3"');
      res.status(known.status).json({ error: { code: known.status, message: known.message, title: known.title } });
      return;
    }
    requestLog(res, log).error({ err, method: req.method, url: req.originalUrl }, 'unexpected identity error');
    res.status(500).json({
      error: {
        code: 500,
        message: 'An unexpected error prevented the server from fulfilling your request.',
        title: 'Internal Server Error',
      },
    });
  };
}
