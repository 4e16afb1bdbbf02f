import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { BadRequest, InstanceInvalidState, UnprocessableEntity } from '../errors';
import { requestFingerprint, withoutSecrets } from './fingerprint';
import { claimKey, completeKey, findKey, purgeExpiredKeys, releaseKey, type IdempotencyRow } from './key-store';

export interface IdempotencyDeps {
  sql: Sql;
  log: Logger;
  /** How long a key is remembered (24 h by default). */
  ttlMs: number;
  /** Keys the stored request fingerprints (the API's NOVA_METADATA_SECRET), so a stored one reveals no body. */
  fingerprintKey?: string | undefined;
}

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Set on a reply that repeats the first answer to a key rather than running the request again. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

// Visible ASCII and spaces, as an HTTP header value can carry them; long enough for any UUID or hash.
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
/**
 * A retry waits this long for the first request with its key to answer. Longer than any admission (30 s) plus
 * the wait of an interrupting operation (60 s); a claim still pending after that belongs to a request whose API
 * process died, and its outcome is unknown.
 */
const PENDING_LIMIT_MS = 120_000;
const POLL_MS = 100;
const PURGE_INTERVAL_MS = 60_000;

function readKey(req: Request): string | undefined {
  const key = req.header(IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new BadRequest(`Invalid ${IDEMPOTENCY_HEADER}: it must be 1 to 255 printable ASCII characters.`);
  }
  return key;
}

/** Sends the first request's answer again, under the first request's id. */
function replay(res: Response, row: IdempotencyRow): void {
  res.setHeader('x-openstack-request-id', row.request_id);
  res.setHeader('x-compute-request-id', row.request_id);
  res.setHeader(REPLAYED_HEADER, 'true');
  if (row.location) res.location(row.location);
  res.status(row.status ?? 200);
  if (row.body === null || row.body === undefined) res.end();
  else res.json(row.body);
}

/**
 * Answers the reply from the database before it leaves: the 2xx of the request holding the key is stored (no
 * secrets), anything else lets the key go, since such a request started nothing.
 */
function recordAnswer(deps: IdempotencyDeps, res: Response, claim: Parameters<typeof releaseKey>[1]): void {
  let body: unknown;
  const json = res.json.bind(res);
  res.json = (value: unknown) => {
    body = value;
    return json(value);
  };
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const location = res.getHeader('location');
    const write = ok
      ? completeKey(deps.sql, claim, {
          status: res.statusCode,
          body: withoutSecrets(body),
          location: typeof location === 'string' ? location : null,
        })
      : releaseKey(deps.sql, claim);
    write
      .catch((err: unknown) => deps.log.error({ err, requestId: claim.requestId }, 'idempotency key not recorded'))
      .finally(() => end(...args));
    return res;
  }) as Response['end'];
}

/** Waits for the request holding a key to answer; the row it left, or undefined once the key is free again. */
async function awaitAnswer(deps: IdempotencyDeps, held: IdempotencyRow): Promise<IdempotencyRow | undefined> {
  let row: IdempotencyRow | undefined = held;
  while (row?.state === 'pending' && row.request_id === held.request_id) {
    if (Date.now() - row.created_at.getTime() > PENDING_LIMIT_MS) {
      throw new InstanceInvalidState(
        `The request ${row.request_id} that first used this ${IDEMPOTENCY_HEADER} did not finish; its outcome ` +
          'is unknown. Check the server and its instance actions before retrying with a new key.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    row = await findKey(deps.sql, held.project_id, held.key);
  }
  return row;
}

/**
 * `Idempotency-Key` on POSTs that start operations (beyond Nova): the first request with a key runs, a retry
 * with the same key and request gets the first answer again (waiting for it while it runs), and the same key
 * with another request is a 422. Keys are per project and last `ttlMs`.
 */
export function createIdempotencyMiddleware(deps: IdempotencyDeps): RequestHandler {
  let lastPurge = 0;
  return async (req, res, next) => {
    const key = readKey(req);
    if (key === undefined) return next();
    const ctx = contextOf(res);
    if (Date.now() - lastPurge > PURGE_INTERVAL_MS) {
      lastPurge = Date.now();
      await purgeExpiredKeys(deps.sql);
    }
    const claim = {
      projectId: ctx.projectId,
      key,
      fingerprint: requestFingerprint(req.method, req.path, req.body, deps.fingerprintKey),
      requestId: ctx.requestId,
      ttlMs: deps.ttlMs,
    };
    for (;;) {
      const held = await claimKey(deps.sql, claim);
      if (!held) {
        recordAnswer(deps, res, claim);
        return next();
      }
      if (held.fingerprint !== claim.fingerprint) {
        throw new UnprocessableEntity(
          `This ${IDEMPOTENCY_HEADER} was already used with a different request (${held.request_id}).`,
        );
      }
      const answer = await awaitAnswer(deps, held);
      if (answer?.state === 'done') {
        deps.log.info({ requestId: ctx.requestId, replayOf: answer.request_id }, 'idempotent replay');
        return replay(res, answer);
      }
    }
  };
}
