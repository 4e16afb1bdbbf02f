import { createHash } from 'node:crypto';

// Nova keeps a uuid per compute node and per service row; this schema has neither, so both are derived from
// the host name: stable across restarts and API processes, with no table to keep in step.
const COMPUTE_NODE_NAMESPACE = 'd4928a88-2149-49a1-9f80-9df8582eede4';
const SERVICE_NAMESPACE = '30f7d6c8-e824-4b1f-8379-3b5d8f2e9ff9';

/** RFC 4122 name-based uuid, version 5 (SHA-1), like Python's `uuid.uuid5(namespace, name)`. */
export function uuid5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The hypervisor (compute node) id from 2.53. */
export function hypervisorUuid(host: string): string {
  return uuid5(COMPUTE_NODE_NAMESPACE, host);
}

/** The id of the host's nova-compute service from 2.53. */
export function serviceUuid(host: string): string {
  return uuid5(SERVICE_NAMESPACE, host);
}
