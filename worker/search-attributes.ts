import { isGrpcServiceError, type Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../domain/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const ALREADY_EXISTS = 6;

/** Registers the custom search attributes if the namespace lacks them. Safe to run from every process. */
export async function registerSearchAttributes(
  connection: Connection | NativeConnection,
  namespace: string,
): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = CUSTOM_SEARCH_ATTRIBUTES.map((k) => k.name).filter((n) => !(n in (customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService
    .addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((n) => [n, KEYWORD])) })
    .catch((err: unknown) => {
      if (!(isGrpcServiceError(err) && err.code === ALREADY_EXISTS)) throw err;
    });
}
