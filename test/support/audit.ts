import type { ApiClient } from './http';

/** The admin allocation audit finds nothing: no orphaned or missing allocation, no over-committed host. */
export async function expectAuditClean(api: ApiClient): Promise<void> {
  const { allocation_audit } = (await api.get('/v2.1/os-allocation-audit')).body;
  expect(allocation_audit).toEqual({ orphaned_allocations: [], missing_allocations: [], overcommitted_hosts: [] });
}
