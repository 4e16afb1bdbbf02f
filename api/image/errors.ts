import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';
import { Unauthorized } from '../context';

/*
 * Glance raises webob HTTP exceptions and lets webob render them: the body is JSON
 * (`{"message", "code": "404 Not Found", "title": "Not Found"}`), HTML or plain text depending on the
 * request's Accept header, and the message is webob's template `${explanation}<br /><br />\n${detail}\n\n`.
 * Glance usually passes its text as the explanation (replacing webob's default one), sometimes as the detail
 * (keeping the default). openstacksdk reads `message` from JSON, strips tags from HTML and falls back to the
 * reason phrase for plain text, so all three reach the user.
 */

interface StatusInfo {
  title: string;
  explanation: string;
  /** webob classes with their own body template (405, 415) fill it from the request. */
  template?: (req: TemplateInput) => string;
}

interface TemplateInput {
  method: string;
  contentType: string;
}

const STATUS: Readonly<Record<number, StatusInfo>> = {
  400: {
    title: 'Bad Request',
    explanation: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  },
  403: { title: 'Forbidden', explanation: 'Access was denied to this resource.' },
  404: { title: 'Not Found', explanation: 'The resource could not be found.' },
  405: {
    title: 'Method Not Allowed',
    explanation: '',
    template: (r) => `The method ${r.method} is not allowed for this resource. <br /><br />\n`,
  },
  409: { title: 'Conflict', explanation: 'There was a conflict when trying to complete your request.' },
  410: { title: 'Gone', explanation: 'This resource is no longer available. No forwarding address is given.' },
  413: { title: 'Request Entity Too Large', explanation: 'The body of your request was too large for this server.' },
  415: {
    title: 'Unsupported Media Type',
    explanation: '',
    template: (r) => `The request media type ${r.contentType} is not supported by this server.\n<br /><br />\n`,
  },
  500: {
    title: 'Internal Server Error',
    explanation: 'The server has either erred or is incapable of performing the requested operation.',
  },
  503: {
    title: 'Service Unavailable',
    explanation: 'The server is currently unavailable. Please try again at a later time.',
  },
};

/** An image service error: a webob exception with an optional explanation (replacing the default) and detail. */
export class GlanceError extends Error {
  constructor(
    readonly status: number,
    readonly explanation: string | undefined,
    readonly detail: string | undefined = undefined,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(explanation ?? detail ?? STATUS[status]?.title ?? 'Error');
    this.name = 'GlanceError';
  }
}

export const badRequest = (explanation: string) => new GlanceError(400, explanation);
/** `HTTPForbidden(explanation=msg)`: the message replaces webob's default one. */
export const forbidden = (explanation: string) => new GlanceError(403, explanation);
/** `HTTPForbidden(msg)`: the message is the detail under webob's default explanation. */
export const forbiddenDetail = (detail: string) => new GlanceError(403, undefined, detail);
export const notFound = (explanation?: string) => new GlanceError(404, explanation);
export const conflict = (explanation: string) => new GlanceError(409, explanation);
/** `HTTPConflict(msg)`: the message is the detail under webob's default explanation. */
export const conflictDetail = (detail: string) => new GlanceError(409, undefined, detail);
export const gone = (explanation: string) => new GlanceError(410, explanation);
export const tooLarge = (explanation: string) => new GlanceError(413, explanation);
export const unsupportedMediaType = (detail: string, headers: Record<string, string> = {}) =>
  new GlanceError(415, undefined, detail, headers);
export const methodNotAllowed = (allowed: readonly string[]) =>
  new GlanceError(405, undefined, undefined, { Allow: allowed.join(', ') });
export const unavailable = (explanation: string) => new GlanceError(503, explanation);

/** `403` from a policy rule, with oslo.policy's message. */
export function policyForbidden(action: string): GlanceError {
  return forbidden(`You are not authorized to complete ${action} action.`);
}

export type ErrorFormat = 'json' | 'html' | 'plain';

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseRange(part: string): MediaRange | null {
  const [range, ...params] = part.split(';').map((p) => p.trim());
  const [type, subtype] = (range ?? '').toLowerCase().split('/');
  if (!type || !subtype) return null;
  let q = 1;
  for (const param of params) {
    const [key, value] = param.split('=').map((p) => p.trim());
    if (key?.toLowerCase() === 'q') q = Number(value);
  }
  return Number.isFinite(q) ? { type, subtype, q } : null;
}

/** The quality the header gives a media type: its most specific matching range wins. */
function quality(ranges: readonly MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best: { specificity: number; q: number } | null = null;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' ? 0 : -1;
    if (specificity < 0) continue;
    if (!best || specificity > best.specificity) best = { specificity, q: r.q };
  }
  return best?.q ?? 0;
}

/**
 * webob's choice between its text/html and application/json renderings: no Accept header takes the first
 * (HTML), an empty or unsatisfiable one gets plain text, otherwise the higher quality wins (HTML on a tie).
 */
export function errorFormat(accept: string | undefined): ErrorFormat {
  if (accept === undefined) return 'html';
  const ranges = accept
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseRange);
  if (ranges.some((r) => r === null)) return 'html'; // an invalid header accepts anything, like no header
  const valid = ranges as MediaRange[];
  const html = quality(valid, 'text/html');
  const json = quality(valid, 'application/json');
  if (html <= 0 && json <= 0) return 'plain';
  return json > html ? 'json' : 'html';
}

function htmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

/** webob's strip_tags: newlines become spaces, `<br>` becomes a newline, other tags go. */
function stripTags(text: string): string {
  return text
    .replace(/\n/g, ' ')
    .replace(/\r/g, '')
    .replace(/<br.*?>/gis, '\n')
    .replace(/<!--|-->/g, '')
    .replace(/<.*?>/gs, '');
}

export interface RenderedError {
  status: number;
  contentType: string;
  body: string;
  headers: Readonly<Record<string, string>>;
}

/** The response webob would send for the error, in the format the request's Accept header picks. */
export function renderGlanceError(err: GlanceError, format: ErrorFormat, req: TemplateInput): RenderedError {
  const info = STATUS[err.status] ?? STATUS[500]!;
  const status = `${err.status} ${info.title}`;
  const body = (escape: (s: string) => string) => {
    const detail = escape(err.detail ?? '');
    if (info.template) return `${info.template(req)}${detail}`;
    return `${escape(err.explanation ?? info.explanation)}<br /><br />\n${detail}\n\n`;
  };
  const rendered =
    format === 'json'
      ? {
          contentType: 'application/json',
          body: JSON.stringify({ message: body((s) => s), code: status, title: info.title }),
        }
      : format === 'html'
        ? {
            contentType: 'text/html',
            body: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${body(htmlEscape)}\n </body>\n</html>`,
          }
        : { contentType: 'text/plain', body: `${status}\n\n${stripTags(body((s) => s))}` };
  return { status: err.status, ...rendered, headers: err.headers };
}

/** What express's body parser and the request stream throw, as Glance would answer them. */
function fromBodyParser(err: unknown): GlanceError | null {
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed') return badRequest('Malformed JSON in request body.');
  if (type === 'entity.too.large') return tooLarge('Request is too large.');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return badRequest(
      'Error decoding your request. Either the URL or the request body contained characters that could not be decoded by Glance',
    );
  }
  return null;
}

/** The image router's translator: webob's bodies for Glance errors, keystonemiddleware's for a bad token. */
export function createGlanceErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = res.locals['requestId'] as string | undefined;
    if (req.socket.destroyed) {
      // The client went away (an aborted upload, say): nobody is left to answer.
      log.info({ requestId, err: String(err), method: req.method, url: req.originalUrl }, 'client disconnected');
      return;
    }
    if (res.headersSent) {
      // A download that failed mid-stream: the client sees a short body, which its checksum catches.
      log.warn({ requestId, err, method: req.method, url: req.originalUrl }, 'image response failed mid-stream');
      res.destroy();
      return;
    }
    if (err instanceof Unauthorized) {
      res.status(401).json({ error: { code: 401, title: 'Unauthorized', message: err.message } });
      return;
    }
    const known = err instanceof GlanceError ? err : fromBodyParser(err);
    const glance = known ?? new GlanceError(500, undefined);
    if (known) {
      log.info({ requestId, status: known.status, method: req.method, url: req.originalUrl }, known.message);
    } else {
      log.error({ requestId, err, method: req.method, url: req.originalUrl }, 'unexpected image service error');
    }
    const rendered = renderGlanceError(glance, errorFormat(req.header('accept')), templateInput(req));
    res.status(rendered.status).set(rendered.headers).type(rendered.contentType).send(rendered.body);
  };
}

function templateInput(req: Request): TemplateInput {
  return { method: req.method, contentType: req.header('content-type') ?? '' };
}
