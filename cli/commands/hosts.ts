import { callApi, type ApiTarget } from '../api-client';

export interface ServiceView {
  [column: string]: unknown;
  id: string;
  host: string;
  status: string;
  state: string;
  forced_down: boolean;
  disabled_reason: string | null;
}

/**
 * Marks a compute host down (forced down and disabled, as an operator does before evacuating it) or up again
 * (enabled, no longer forced down), through os-services: the host's workflow has the conductor write it.
 */
export async function setHostDown(
  target: ApiTarget,
  host: string,
  down: boolean,
  reason: string | undefined,
): Promise<ServiceView> {
  const query = `/os-services?host=${encodeURIComponent(host)}&binary=nova-compute`;
  const { services } = (await callApi(target, 'GET', query)) as { services: ServiceView[] };
  const service = services[0];
  if (!service) throw new Error(`no compute service on host ${host}`);
  const body = down
    ? { status: 'disabled', disabled_reason: reason ?? 'marked down with nova-admin', forced_down: true }
    : { status: 'enabled', forced_down: false };
  const reply = (await callApi(target, 'PUT', `/os-services/${service.id}`, body)) as { service: ServiceView };
  return reply.service;
}
