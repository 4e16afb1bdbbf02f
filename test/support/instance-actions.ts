import type { ApiClient, Reply } from './http';

/** GET /servers/{id}/os-instance-actions/{request id} at 2.62 (events with their host): the action a request left. */
export async function actionOf(api: ApiClient, instanceUuid: string, requestId: string): Promise<any> {
  const reply = await api
    .withHeaders({ 'OpenStack-API-Version': 'compute 2.62' })
    .get(`/v2.1/servers/${instanceUuid}/os-instance-actions/${requestId}`);
  expect(reply.status).toBe(200);
  return reply.body.instanceAction;
}

/** The instance action the request that `reply` answered recorded. */
export function actionOfReply(api: ApiClient, instanceUuid: string, reply: Reply): Promise<any> {
  return actionOf(api, instanceUuid, reply.headers.get('x-openstack-request-id')!);
}
