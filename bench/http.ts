import { setTimeout as sleep } from 'node:timers/promises';

export interface Reply {
  status: number;
  body: unknown;
}

export interface ServerView {
  id: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-SRV-ATTR:host'?: string | null;
}

/** Thrown when an operation did not do what the bench asked: it counts as a failed operation. */
export class OperationFailed extends Error {
  override name = 'OperationFailed';
}

/** The compute API over Node's fetch (undici): keep-alive connections, one per concurrent request. */
export class BenchApi {
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, microversion?: string): Promise<Reply> {
    const { status, text } = await this.requestText(method, path, body, microversion);
    return { status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** The reply's body as it came, unparsed. */
  async requestText(
    method: string,
    path: string,
    body?: unknown,
    microversion?: string,
  ): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(microversion && { 'OpenStack-API-Version': `compute ${microversion}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  }

  async expect(method: string, path: string, body: unknown, status: number, microversion?: string): Promise<Reply> {
    const reply = await this.request(method, path, body, microversion);
    if (reply.status !== status) {
      throw new OperationFailed(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)} (wanted ${status})`);
    }
    return reply;
  }

  /** POST /servers with flavor m1.tiny and the cirros image; returns the new server's ID once accepted (202). */
  async createServer(name: string, imageRef: string): Promise<string> {
    const reply = await this.expect(
      'POST',
      '/servers',
      { server: { name, flavorRef: '1', imageRef, networks: 'none' } },
      202,
    );
    return (reply.body as { server: { id: string } }).server.id;
  }

  action(id: string, body: unknown, status: number, microversion?: string): Promise<Reply> {
    return this.expect('POST', `/servers/${id}/action`, body, status, microversion);
  }

  /**
   * Polls GET /servers/{id} every `intervalMs` (measured from one poll's start to the next) until the server shows
   * `status` with no task_state; ERROR or the deadline fail the operation.
   */
  async waitForStatus(id: string, status: string, intervalMs: number, timeoutMs: number): Promise<ServerView> {
    const deadline = performance.now() + timeoutMs;
    let last: ServerView | undefined;
    for (;;) {
      const began = performance.now();
      const reply = await this.request('GET', `/servers/${id}`);
      last = reply.status === 200 ? (reply.body as { server: ServerView }).server : undefined;
      if (last && last.status === status && last['OS-EXT-STS:task_state'] === null) return last;
      if (last?.status === 'ERROR') throw new OperationFailed(`server ${id} went to ERROR while waiting for ${status}`);
      if (performance.now() > deadline) {
        throw new OperationFailed(
          `server ${id} not ${status} after ${timeoutMs} ms (last: ${last?.status ?? reply.status}, ` +
            `task_state ${last?.['OS-EXT-STS:task_state'] ?? '-'})`,
        );
      }
      await sleep(Math.max(0, intervalMs - (performance.now() - began)));
    }
  }
}
