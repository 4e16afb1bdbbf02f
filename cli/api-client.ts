/** Thrown when the compute API answers with an error; carries Nova's fault message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${status}: ${message}`);
    this.name = 'ApiError';
  }
}

export interface ApiTarget {
  /** e.g. http://127.0.0.1:8774 */
  endpoint: string;
  token: string;
}

/** Nova's error body `{"<fault>": {"message": ...}}` or Keystone's `{"error": {"message": ...}}`, as text. */
function faultMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const inner = Object.values(body)[0] as { message?: unknown } | undefined;
    if (inner && typeof inner.message === 'string') return inner.message;
  }
  return JSON.stringify(body);
}

/** A Keystone token for the OS_* credentials (password auth, project scope), and the API's base URL. */
export async function login(env: NodeJS.ProcessEnv = process.env): Promise<ApiTarget> {
  const authUrl = env['OS_AUTH_URL'] ?? 'http://127.0.0.1:8774/identity/v3';
  const res = await fetch(`${authUrl.replace(/\/$/, '')}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: env['OS_USERNAME'] ?? 'admin',
              domain: { id: env['OS_USER_DOMAIN_ID'] ?? 'default' },
              password: env['OS_PASSWORD'] ?? 'admin',
            },
          },
        },
        scope: {
          project: {
            name: env['OS_PROJECT_NAME'] ?? 'admin',
            domain: { id: env['OS_PROJECT_DOMAIN_ID'] ?? 'default' },
          },
        },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new ApiError(res.status, faultMessage(await res.json().catch(() => ({}))));
  return { endpoint: new URL(authUrl).origin, token };
}

/** One compute API call (`/v2.1` + path); a non-2xx answer throws ApiError with the fault message. */
export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${target.endpoint}/v2.1${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      'X-Auth-Token': target.token,
      'OpenStack-API-Version': 'compute latest',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (res.status >= 400) throw new ApiError(res.status, faultMessage(parsed));
  return parsed;
}
