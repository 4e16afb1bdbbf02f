import type { RequestContext } from '../context';
import { Forbidden } from '../errors';
import { DEFAULT_RULES, type PolicyName, type RuleKind } from './rules';

/** What a rule is checked against: the project (and user) owning the thing acted on. */
export interface PolicyTarget {
  projectId?: string;
  userId?: string;
}

/** The caller as policy sees it. */
export type PolicyCaller = Pick<RequestContext, 'projectId' | 'userId' | 'isAdmin' | 'roles'>;

// Keystone's default implied roles: admin implies manager, manager member, member reader.
const IMPLIED: Record<string, readonly string[]> = {
  admin: ['admin', 'manager', 'member', 'reader'],
  manager: ['manager', 'member', 'reader'],
  member: ['member', 'reader'],
  reader: ['reader'],
};

function effectiveRoles(caller: PolicyCaller): Set<string> {
  const given = caller.roles ?? (caller.isAdmin ? ['admin'] : ['member']);
  return new Set(given.flatMap((role) => IMPLIED[role] ?? [role]));
}

/** Whether a rule kind lets the caller act on the target. */
export function allows(kind: RuleKind, caller: PolicyCaller, target: PolicyTarget = {}): boolean {
  if (kind === 'any') return true;
  if (kind === 'nobody') return false;
  if (caller.isAdmin) return true;
  if (kind === 'admin') return false;
  if (kind === 'user_or_admin') return target.userId === undefined || target.userId === caller.userId;
  const inProject = target.projectId === undefined || target.projectId === caller.projectId;
  const role = {
    project_manager_or_admin: 'manager',
    project_member_or_admin: 'member',
    project_reader_or_admin: 'reader',
  }[kind];
  return inProject && effectiveRoles(caller).has(role);
}

/** The policy in force: the defaults with an operator's overrides laid over them. */
export class Policy {
  private readonly rules: Readonly<Record<PolicyName, RuleKind>>;

  constructor(overrides: Partial<Record<PolicyName, RuleKind>> = {}) {
    this.rules = { ...DEFAULT_RULES, ...overrides };
  }

  ruleOf(name: PolicyName): RuleKind {
    return this.rules[name];
  }

  allows(name: PolicyName, caller: PolicyCaller, target?: PolicyTarget): boolean {
    return allows(this.rules[name], caller, target);
  }
}

export const DEFAULT_POLICY = new Policy();

/** Nova's 403 for a rule the caller does not pass. */
export function policyForbidden(name: PolicyName): Forbidden {
  return new Forbidden(`Policy doesn't allow ${name} to be performed.`);
}

/** Whether the caller passes a rule, under the policy its request carries. */
export function can(ctx: RequestContext, name: PolicyName, target?: PolicyTarget): boolean {
  return (ctx.policy ?? DEFAULT_POLICY).allows(name, ctx, target);
}

/** Throws Nova's 403 unless the caller passes the rule. */
export function authorize(ctx: RequestContext, name: PolicyName, target?: PolicyTarget): void {
  if (!can(ctx, name, target)) throw policyForbidden(name);
}
