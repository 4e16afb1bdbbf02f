import { login } from '../cli/api-client';

/** One answer of the API; status 0 when none came (connection refused, reset, or the request timed out). */
export interface Reply {
  status: number;
  body: unknown;
  requestId: string | undefined;
}

/** Reads a nested field of a JSON body without trusting its shape. */
export function dig(value: unknown, ...keys: (string | number)[]): unknown {
  let v = value;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

const MICROVERSION = 'compute 2.95';

/** The compute API as the harness uses it: admin token, a fixed microversion, a timeout on every call. */
export class ChaosApi {
  private token = '';

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 45_000,
  ) {}

  /** Keystone password authentication as the seeded admin; the token lives in PostgreSQL and survives restarts. */
  async login(): Promise<void> {
    this.token = (await login({ OS_AUTH_URL: `${this.baseUrl}/identity/v3` })).token;
  }

  async request(method: string, path: string, body?: unknown, version = MICROVERSION): Promise<Reply> {
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          'Content-Type': 'application/json',
          'X-Auth-Token': this.token,
          'OpenStack-API-Version': version,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (an HTML error page): keep the text
      }
      return { status: res.status, body: parsed, requestId: res.headers.get('x-openstack-request-id') ?? undefined };
    } catch {
      return { status: 0, body: undefined, requestId: undefined };
    }
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  action(serverId: string, body: unknown): Promise<Reply> {
    return this.request('POST', `/v2.1/servers/${serverId}/action`, body);
  }
}
