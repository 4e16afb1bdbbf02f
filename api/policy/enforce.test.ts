import type { RequestContext } from '../context';
import { Forbidden } from '../errors';
import { allows, authorize, can, Policy } from './enforce';
import { DEFAULT_RULES } from './rules';

const admin = { userId: 'a', projectId: 'admin', isAdmin: true, roles: ['admin'] };
const member = { userId: 'u', projectId: 'p1', isAdmin: false, roles: ['member'] };
const reader = { userId: 'r', projectId: 'p1', isAdmin: false, roles: ['reader'] };
const manager = { userId: 'm', projectId: 'p1', isAdmin: false, roles: ['manager'] };
const ctx = (caller: typeof member, policy?: Policy): RequestContext => ({ requestId: 'req-1', ...caller, policy });

describe('rule kinds', () => {
  it('lets an admin through every kind but nobody, whatever the target', () => {
    for (const kind of ['admin', 'project_member_or_admin', 'project_reader_or_admin', 'user_or_admin'] as const) {
      expect(allows(kind, admin, { projectId: 'p9', userId: 'x' })).toBe(true);
    }
    expect(allows('nobody', admin)).toBe(false);
  });

  it('lets a member act in its own project only, and a reader only read there', () => {
    expect(allows('project_member_or_admin', member, { projectId: 'p1' })).toBe(true);
    expect(allows('project_member_or_admin', member, { projectId: 'p2' })).toBe(false);
    expect(allows('project_member_or_admin', reader, { projectId: 'p1' })).toBe(false);
    expect(allows('project_reader_or_admin', reader, { projectId: 'p1' })).toBe(true);
    expect(allows('project_reader_or_admin', member, { projectId: 'p2' })).toBe(false);
  });

  it('gives managers the manager rules (migrate) that members lack', () => {
    expect(allows('project_manager_or_admin', manager, { projectId: 'p1' })).toBe(true);
    expect(allows('project_manager_or_admin', member, { projectId: 'p1' })).toBe(false);
    expect(allows('admin', manager)).toBe(false);
  });

  it('matches key pair rules on the user, not the project', () => {
    expect(allows('user_or_admin', member, { userId: 'u' })).toBe(true);
    expect(allows('user_or_admin', member, { userId: 'someone-else' })).toBe(false);
  });

  it('treats a caller without roles as a member, or admin when it is one', () => {
    expect(allows('project_member_or_admin', { userId: 'u', projectId: 'p', isAdmin: false }, {})).toBe(true);
    expect(allows('project_manager_or_admin', { userId: 'u', projectId: 'p', isAdmin: false }, {})).toBe(false);
  });
});

describe('authorize', () => {
  it("refuses with Nova's 403 message naming the rule", () => {
    expect(() => authorize(ctx(member), 'os_compute_api:os-evacuate')).toThrow(
      new Forbidden("Policy doesn't allow os_compute_api:os-evacuate to be performed."),
    );
    expect(() => authorize(ctx(admin), 'os_compute_api:os-evacuate')).not.toThrow();
  });

  it("follows the request's policy, overrides included", () => {
    const open = new Policy({ 'os_compute_api:os-hypervisors:list': 'project_reader_or_admin' });
    expect(can(ctx(member), 'os_compute_api:os-hypervisors:list')).toBe(false);
    expect(can(ctx(member, open), 'os_compute_api:os-hypervisors:list')).toBe(true);
    const closed = new Policy({ 'os_compute_api:servers:create': 'admin' });
    expect(can(ctx(member, closed), 'os_compute_api:servers:create', { projectId: 'p1' })).toBe(false);
  });

  it('keeps the admin-only defaults the issue names admin-only', () => {
    const adminOnly = [
      'os_compute_api:os-evacuate',
      'os_compute_api:os-hypervisors:list',
      'os_compute_api:os-services:list',
      'os_compute_api:os-migrations:index',
      'os_compute_api:os-migrate-server:migrate:host',
      'os_compute_api:os-migrate-server:migrate_live:host',
      'os_compute_api:servers:migrations:force_complete',
      'os_compute_api:os-flavor-manage:create',
    ] as const;
    for (const name of adminOnly) expect(DEFAULT_RULES[name]).toBe('admin');
  });
});
