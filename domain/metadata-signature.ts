import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Nova's metadata proxy signature (`X-Instance-ID-Signature`): the hex HMAC-SHA256 of the instance id keyed with
 * the shared secret (`[neutron] metadata_proxy_shared_secret`). The host's proxy signs, the metadata service checks.
 */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(instanceId, 'utf8').digest('hex');
}

/**
 * Whether `signature` is the proxy signature of `instanceId`. Compared in constant time, like Nova's
 * `hmac.compare_digest`, so a forger learns nothing from how long the refusal took.
 */
export function isValidInstanceSignature(secret: string, instanceId: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signInstanceId(secret, instanceId), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; comparing the expected value with itself keeps the time the same.
  if (given.length !== expected.length) return !timingSafeEqual(expected, expected);
  return timingSafeEqual(expected, given);
}
