import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Policy } from './enforce';
import { isPolicyName, RuleKinds, type PolicyName, type RuleKind } from './rules';

// The oslo.policy spellings an operator is likely to copy from Nova's sample file, for the rules we know.
const OSLO_ALIASES: Record<string, RuleKind> = {
  '@': 'any',
  '': 'any',
  '!': 'nobody',
  'role:admin': 'admin',
  'rule:admin_api': 'admin',
  'rule:context_is_admin': 'admin',
  'rule:project_manager_or_admin': 'project_manager_or_admin',
  'rule:project_member_or_admin': 'project_member_or_admin',
  'rule:project_reader_or_admin': 'project_reader_or_admin',
  'rule:admin_or_owner': 'user_or_admin',
};

/** Thrown at start-up for an override file that names an unknown rule or an unsupported check. */
export class InvalidPolicyFile extends Error {}

function kindOf(value: string): RuleKind | undefined {
  const trimmed = value.trim();
  if ((RuleKinds as readonly string[]).includes(trimmed)) return trimmed as RuleKind;
  return OSLO_ALIASES[trimmed];
}

/** Parses overrides: a JSON object of rule name → rule kind (or one of the oslo.policy aliases above). */
export function parsePolicyOverrides(text: string, source = 'policy file'): Partial<Record<PolicyName, RuleKind>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidPolicyFile(`${source} is not JSON: ${(err as Error).message}`);
  }
  const parsed = z.record(z.string(), z.string()).safeParse(raw);
  if (!parsed.success) throw new InvalidPolicyFile(`${source} must map rule names to rule strings`);
  const overrides: Partial<Record<PolicyName, RuleKind>> = {};
  for (const [name, value] of Object.entries(parsed.data)) {
    if (!isPolicyName(name)) throw new InvalidPolicyFile(`${source}: unknown rule ${name}`);
    const kind = kindOf(value);
    if (!kind) {
      throw new InvalidPolicyFile(`${source}: ${name}: "${value}" is not one of ${RuleKinds.join(', ')}, @ or !`);
    }
    overrides[name] = kind;
  }
  return overrides;
}

/** The policy from NOVA_POLICY_FILE, or the defaults when no file is configured. */
export function loadPolicy(path: string | undefined): Policy {
  if (!path) return new Policy();
  return new Policy(parsePolicyOverrides(readFileSync(path, 'utf8'), path));
}
