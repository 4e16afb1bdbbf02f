import { waitFor } from '../../worker/infra/ports';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** A tiny compute API client for tests: JSON in, JSON out, never throws on 4xx/5xx. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  as(token: string): ApiClient {
    return new ApiClient(this.baseUrl, { ...this.headers, 'X-Auth-Token': token });
  }

  withHeaders(extra: Record<string, string>): ApiClient {
    return new ApiClient(this.baseUrl, { ...this.headers, ...extra });
  }

  async request(method: string, path: string, body?: unknown, raw?: string): Promise<Reply> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...this.headers },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  post(path: string, body: unknown): Promise<Reply> {
    return this.request('POST', path, body);
  }

  put(path: string, body: unknown): Promise<Reply> {
    return this.request('PUT', path, body);
  }

  delete(path: string): Promise<Reply> {
    return this.request('DELETE', path);
  }

  action(serverId: string, body: unknown): Promise<Reply> {
    return this.post(`/v2.1/servers/${serverId}/action`, body);
  }

  async createServer(fields: Record<string, unknown> = {}): Promise<string> {
    const reply = await this.post('/v2.1/servers', {
      server: { name: 'test-vm', flavorRef: '1', imageRef: CIRROS, networks: 'none', ...fields },
    });
    if (reply.status !== 202) throw new Error(`create failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.server.id as string;
  }

  /** Polls GET /servers/{id} until `done` holds, like openstacksdk's wait_for_server. */
  async waitForServer(id: string, done: (server: any) => boolean, timeoutMs = 30_000): Promise<any> {
    let last: any;
    await waitFor(
      () =>
        `server ${id} to reach the expected state (last: ${last?.status}, ` +
        `task_state ${last?.['OS-EXT-STS:task_state']})`,
      async () => {
        const reply = await this.get(`/v2.1/servers/${id}`);
        last = reply.body?.server;
        return reply.status === 200 && done(last);
      },
      timeoutMs,
    );
    return last;
  }

  waitForStatus(id: string, status: string, timeoutMs?: number): Promise<any> {
    return this.waitForServer(id, (s) => s.status === status && s['OS-EXT-STS:task_state'] === null, timeoutMs);
  }

  async waitForGone(id: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `server ${id} to be deleted`,
      async () => (await this.get(`/v2.1/servers/${id}`)).status === 404,
      timeoutMs,
    );
  }
}

export const CIRROS = '70a599e0-31e7-49b7-b260-868f441e862b';

/** Asserts a Nova error reply: the status and `{"<fault>": {"code": status, "message": message}}`. */
export function expectNovaError(reply: Reply, status: number, fault: string, message: string): void {
  expect({ status: reply.status, body: reply.body }).toEqual({ status, body: { [fault]: { code: status, message } } });
}
