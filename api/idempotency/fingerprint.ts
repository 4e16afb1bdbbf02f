import { createHash, createHmac } from 'node:crypto';

/** JSON with object keys sorted at every level: the same body however its keys were ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What makes two requests "the same" for a key: method, path (below the version root) and body. Keyed (an HMAC)
 * when the API has a secret: a body can be little more than a password (changePassword), and a plain hash kept
 * for a day would let whoever reads the table guess it offline.
 */
export function requestFingerprint(method: string, path: string, body: unknown, key?: string): string {
  const digest = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  return digest.update(canonicalJson({ method, path, body: body ?? null })).digest('hex');
}

/** Fields never kept in a stored answer: a replay leaves them out rather than keep a password at rest. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['adminPass']);

/** The answer without its secrets, as it is stored for replays. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !SECRET_FIELDS.has(k))
      .map(([k, v]) => [k, withoutSecrets(v)]),
  );
}
