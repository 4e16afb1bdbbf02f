import type { InstanceRow } from '../../domain/rows';
import { recordAction, type Requester } from './admission';
import { allOf, type Sql } from './db';
import { recordEvents } from './events';
import { finishAction } from './transitions';

/** Lock or unlock a server: who holds a lock is `owner` (the server's project) or `admin` (anyone else). */
export type ServerLockChange = { lock: true; by: 'owner' | 'admin'; reason: string | null } | { lock: false };

export interface ServerLockUpdate {
  instanceUuid: string;
  requester: Requester;
  change: ServerLockChange;
}

type LockRecord = Pick<InstanceRow, 'uuid' | 'locked' | 'locked_by'>;

/**
 * Nova's lock and unlock (compute/api.py): no state check, so they run beside whatever operation holds the server.
 * A lock records the instance action `lock` with its `api_lock` event, an unlock `unlock` and `api_unlock`, both
 * finished at once. As in Nova, the owner locking a server that is locked already changes nothing and records
 * nothing (an admin's lock takes it over), a lock without a reason keeps the reason it had, and an unlock clears
 * holder and reason. One transaction (ONE_TRANSACTION_STEPS). False when the server is gone.
 */
export async function setServerLock(sql: Sql, update: ServerLockUpdate): Promise<boolean> {
  const { instanceUuid, requester, change } = update;
  return sql.begin(async (tx) => {
    const [row] = await tx<LockRecord[]>`
      SELECT uuid, locked, locked_by FROM instances WHERE uuid = ${instanceUuid} AND NOT deleted FOR UPDATE`;
    if (!row) return false;
    if (change.lock && change.by === 'owner' && row.locked) return true;
    const action = change.lock ? 'lock' : 'unlock';
    // One round trip: the statements are sent in order, each seeing the ones before it.
    await allOf([
      change.lock
        ? tx`
            UPDATE instances SET locked = true, locked_by = ${change.by},
              locked_reason = COALESCE(${change.reason}, locked_reason), updated_at = now()
            WHERE uuid = ${row.uuid}`.execute()
        : tx`
            UPDATE instances SET locked = false, locked_by = NULL, locked_reason = NULL, updated_at = now()
            WHERE uuid = ${row.uuid}`.execute(),
      recordAction(tx, row.uuid, action, requester),
      recordEvents(tx, row.uuid, requester.requestId, [
        { name: `api_${action}`, host: null, finish: { result: 'Success' } },
      ]),
      finishAction(tx, row.uuid, requester.requestId, false),
    ]);
    return true;
  });
}
