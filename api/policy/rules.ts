/**
 * Who may call what: Nova's policy rule names and their default rules (nova/policies/*.py), in one table.
 * Every route and action asks for its rule by name; an operator may override rules (NOVA_POLICY_FILE).
 *
 * - `admin`: the admin role, whatever the target (Nova's ADMIN).
 * - `project_manager_or_admin`, `project_member_or_admin`, `project_reader_or_admin`: admin, or that role
 *   (implied by the stronger ones: admin > manager > member > reader) in the target's project.
 * - `user_or_admin`: admin, or the target's own user (key pairs).
 * - `any`: every authenticated caller (Nova's `@`); `nobody` refuses everyone (`!`).
 *
 * Server-scoped rules are checked after the server's lookup, which already hides other projects' servers
 * (404, never 403): their project test only matters for admins and overrides.
 */
export const RuleKinds = [
  'admin',
  'project_manager_or_admin',
  'project_member_or_admin',
  'project_reader_or_admin',
  'user_or_admin',
  'any',
  'nobody',
] as const;
export type RuleKind = (typeof RuleKinds)[number];

const servers = {
  'os_compute_api:servers:index': 'project_reader_or_admin',
  'os_compute_api:servers:index:get_all_tenants': 'admin',
  'os_compute_api:servers:detail': 'project_reader_or_admin',
  'os_compute_api:servers:detail:get_all_tenants': 'admin',
  'os_compute_api:servers:show': 'project_reader_or_admin',
  'os_compute_api:servers:create': 'project_member_or_admin',
  'os_compute_api:servers:update': 'project_member_or_admin',
  'os_compute_api:servers:delete': 'project_member_or_admin',
  'os_compute_api:servers:start': 'project_member_or_admin',
  'os_compute_api:servers:stop': 'project_member_or_admin',
  'os_compute_api:servers:reboot': 'project_member_or_admin',
  'os_compute_api:servers:rebuild': 'project_member_or_admin',
  'os_compute_api:servers:resize': 'project_member_or_admin',
  'os_compute_api:servers:confirm_resize': 'project_member_or_admin',
  'os_compute_api:servers:revert_resize': 'project_member_or_admin',
  'os_compute_api:servers:create_image': 'project_member_or_admin',
  'os_compute_api:os-create-backup': 'project_member_or_admin',
  'os_compute_api:os-console-output': 'project_member_or_admin',
  'os_compute_api:servers:trigger_crash_dump': 'project_member_or_admin',
  'os_compute_api:os-pause-server:pause': 'project_member_or_admin',
  'os_compute_api:os-pause-server:unpause': 'project_member_or_admin',
  'os_compute_api:os-lock-server:lock': 'project_member_or_admin',
  'os_compute_api:os-lock-server:unlock': 'project_member_or_admin',
  // Lifting a lock someone else holds: an owner's lock taken by an admin, or an admin's by the owner.
  'os_compute_api:os-lock-server:unlock:unlock_override': 'admin',
  'os_compute_api:os-suspend-server:suspend': 'project_member_or_admin',
  'os_compute_api:os-suspend-server:resume': 'project_member_or_admin',
  'os_compute_api:os-rescue': 'project_member_or_admin',
  'os_compute_api:os-unrescue': 'project_member_or_admin',
  'os_compute_api:os-shelve:shelve': 'project_member_or_admin',
  'os_compute_api:os-shelve:shelve_offload': 'admin',
  'os_compute_api:os-shelve:unshelve': 'project_member_or_admin',
  'os_compute_api:os-shelve:unshelve_to_host': 'admin',
  'os_compute_api:os-migrate-server:migrate': 'project_manager_or_admin',
  'os_compute_api:os-migrate-server:migrate:host': 'admin',
  'os_compute_api:os-migrate-server:migrate_live': 'project_manager_or_admin',
  'os_compute_api:os-migrate-server:migrate_live:host': 'admin',
  'os_compute_api:os-evacuate': 'admin',
  'os_compute_api:os-admin-actions:reset_state': 'admin',
  'os_compute_api:os-admin-password': 'project_member_or_admin',
  'os_compute_api:os-deferred-delete:restore': 'project_member_or_admin',
  'os_compute_api:os-deferred-delete:force': 'project_member_or_admin',
  'os_compute_api:os-server-password:show': 'project_reader_or_admin',
  'os_compute_api:os-server-password:clear': 'project_member_or_admin',
  'os_compute_api:server-metadata:index': 'project_reader_or_admin',
  'os_compute_api:server-metadata:show': 'project_reader_or_admin',
  'os_compute_api:server-metadata:create': 'project_member_or_admin',
  'os_compute_api:server-metadata:update': 'project_member_or_admin',
  'os_compute_api:server-metadata:update_all': 'project_member_or_admin',
  'os_compute_api:server-metadata:delete': 'project_member_or_admin',
  'os_compute_api:os-instance-actions:list': 'project_reader_or_admin',
  'os_compute_api:os-instance-actions:show': 'project_reader_or_admin',
  'os_compute_api:servers:migrations:index': 'admin',
  'os_compute_api:servers:migrations:show': 'admin',
  'os_compute_api:servers:migrations:delete': 'admin',
  'os_compute_api:servers:migrations:force_complete': 'admin',
} as const satisfies Record<string, RuleKind>;

const flavors = {
  'os_compute_api:os-flavor-manage:create': 'admin',
  'os_compute_api:os-flavor-manage:update': 'admin',
  'os_compute_api:os-flavor-manage:delete': 'admin',
  'os_compute_api:os-flavor-extra-specs:index': 'project_reader_or_admin',
  'os_compute_api:os-flavor-extra-specs:show': 'project_reader_or_admin',
  'os_compute_api:os-flavor-extra-specs:create': 'admin',
  'os_compute_api:os-flavor-extra-specs:update': 'admin',
  'os_compute_api:os-flavor-extra-specs:delete': 'admin',
  'os_compute_api:os-flavor-access': 'admin',
  'os_compute_api:os-flavor-access:add_tenant_access': 'admin',
  'os_compute_api:os-flavor-access:remove_tenant_access': 'admin',
} as const satisfies Record<string, RuleKind>;

const admin = {
  'os_compute_api:os-migrations:index': 'admin',
  'os_compute_api:os-hypervisors:list': 'admin',
  'os_compute_api:os-hypervisors:list-detail': 'admin',
  'os_compute_api:os-hypervisors:show': 'admin',
  'os_compute_api:os-services:list': 'admin',
  'os_compute_api:os-services:update': 'admin',
  'os_compute_api:os-availability-zone:list': 'any',
  'os_compute_api:os-availability-zone:detail': 'admin',
  'os_compute_api:limits': 'any',
  'os_compute_api:limits:other_project': 'admin',
  'os_compute_api:os-keypairs:index': 'user_or_admin',
  'os_compute_api:os-keypairs:create': 'user_or_admin',
  'os_compute_api:os-keypairs:show': 'user_or_admin',
  'os_compute_api:os-keypairs:delete': 'user_or_admin',
  'os_compute_api:os-quota-sets:show': 'project_reader_or_admin',
  'os_compute_api:os-quota-sets:detail': 'project_reader_or_admin',
  'os_compute_api:os-quota-sets:defaults': 'any',
  'os_compute_api:os-quota-sets:update': 'admin',
  'os_compute_api:os-quota-sets:delete': 'admin',
  // Not Nova's: this service's audit of allocations against instances and migrations.
  'os_compute_api:os-allocation-audit': 'admin',
  'os_compute_api:os-allocation-audit:repair': 'admin',
} as const satisfies Record<string, RuleKind>;

export const DEFAULT_RULES = { ...servers, ...flavors, ...admin } as const;

/** A rule name this service checks. */
export type PolicyName = keyof typeof DEFAULT_RULES;

export function isPolicyName(name: string): name is PolicyName {
  return Object.hasOwn(DEFAULT_RULES, name);
}
