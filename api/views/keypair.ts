import type { ApiVersion } from '../microversion';
import { atLeast } from '../microversion';
import type { KeyPairRow } from '../queries/keypairs';
import { perfectTime } from './time';

/** A key pair in a list: name, key and fingerprint (type from 2.2). */
export function keyPairSummaryView(row: KeyPairRow, version: ApiVersion): Record<string, unknown> {
  return {
    name: row.name,
    public_key: row.public_key,
    fingerprint: row.fingerprint,
    ...(atLeast(version, '2.2') ? { type: row.type } : {}),
  };
}

/** A key pair as create returns it; `privateKey` only when the service generated the pair. */
export function keyPairCreatedView(
  row: KeyPairRow,
  version: ApiVersion,
  privateKey: string | undefined,
): Record<string, unknown> {
  return {
    ...keyPairSummaryView(row, version),
    user_id: row.user_id,
    ...(privateKey === undefined ? {} : { private_key: privateKey }),
  };
}

/** A key pair as show returns it, with Nova's soft-delete columns. */
export function keyPairDetailView(row: KeyPairRow, version: ApiVersion): Record<string, unknown> {
  return {
    ...keyPairSummaryView(row, version),
    user_id: row.user_id,
    id: Number(row.id),
    created_at: perfectTime(row.created_at),
    updated_at: null,
    deleted: false,
    deleted_at: null,
  };
}
