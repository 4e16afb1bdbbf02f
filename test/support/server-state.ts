import type { ApiClient } from './http';

/** A server as `GET /servers/{id}` shows its state: [status, vm_state, task_state, power_state, host]. */
export async function serverState(
  api: ApiClient,
  id: string,
): Promise<[string, string, string | null, number, string]> {
  const server = (await api.get(`/v2.1/servers/${id}`)).body.server;
  return [
    server.status,
    server['OS-EXT-STS:vm_state'],
    server['OS-EXT-STS:task_state'],
    server['OS-EXT-STS:power_state'],
    server['OS-EXT-SRV-ATTR:host'],
  ];
}
