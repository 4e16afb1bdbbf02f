import { createInterface } from 'node:readline';
import { callApi, type ApiTarget } from '../api-client';
import { output } from '../table';

interface AllocationAudit {
  orphaned_allocations: { consumer_uuid: string; host: string; reason: string; memory_mb: number }[];
  missing_allocations: { instance_uuid: string; host: string }[];
  overcommitted_hosts: { host: string; resource: string; used: number; usable: number }[];
}

interface RepairReply {
  orphaned_allocations: { consumer_uuid: string; host: string; outcome: string }[];
  missing_allocations: { instance_uuid: string; host: string; outcome: string }[];
}

/** One line per finding, whatever its kind. */
export interface FindingRow {
  [column: string]: unknown;
  finding: string;
  subject: string;
  host: string;
  detail: string;
}

export async function runAudit(target: ApiTarget): Promise<AllocationAudit> {
  return ((await callApi(target, 'GET', '/os-allocation-audit')) as { allocation_audit: AllocationAudit })
    .allocation_audit;
}

export function findingRows(audit: AllocationAudit): FindingRow[] {
  return [
    ...audit.orphaned_allocations.map((a) => ({
      finding: 'orphaned allocation',
      subject: a.consumer_uuid,
      host: a.host,
      detail: a.reason,
    })),
    ...audit.missing_allocations.map((m) => ({
      finding: 'missing allocation',
      subject: m.instance_uuid,
      host: m.host,
      detail: 'placed instance without its claim',
    })),
    ...audit.overcommitted_hosts.map((o) => ({
      finding: 'over-committed host',
      subject: o.resource,
      host: o.host,
      detail: `${o.used} used of ${o.usable} (not repaired: move or delete servers)`,
    })),
  ];
}

/** How many findings a repair can fix: orphaned allocations go, missing ones are recreated. */
export function repairable(audit: AllocationAudit): number {
  return audit.orphaned_allocations.length + audit.missing_allocations.length;
}

/** Has the conductor repair exactly what was found (each re-checked as it is fixed); one row per outcome. */
export async function repairFindings(target: ApiTarget, audit: AllocationAudit): Promise<FindingRow[]> {
  const reply = (
    (await callApi(target, 'POST', '/os-allocation-audit/repair', {
      orphaned_allocations: audit.orphaned_allocations.map(({ consumer_uuid, host }) => ({ consumer_uuid, host })),
      missing_allocations: audit.missing_allocations.map(({ instance_uuid, host }) => ({ instance_uuid, host })),
    })) as { allocation_repair: RepairReply }
  ).allocation_repair;
  return [
    ...reply.orphaned_allocations.map((r) => ({
      finding: 'orphaned allocation',
      subject: r.consumer_uuid,
      host: r.host,
      detail: r.outcome,
    })),
    ...reply.missing_allocations.map((r) => ({
      finding: 'missing allocation',
      subject: r.instance_uuid,
      host: r.host,
      detail: r.outcome,
    })),
  ];
}

/** Asks on stderr and reads one line from stdin; anything but y/yes (or no input at all) is a no. */
export async function confirm(question: string): Promise<boolean> {
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

const COLUMNS = ['finding', 'subject', 'host', 'detail'];

/**
 * `nova-admin audit [--fix [--yes]] [--json]`: prints the findings; with --fix, after confirmation, has the
 * conductor repair them and audits again. Returns the exit code: 0 clean, 2 findings left, 1 declined.
 */
export async function auditCommand(
  target: ApiTarget,
  opts: { json?: boolean; fix?: boolean; yes?: boolean },
): Promise<number> {
  const print = (text: string) => void (opts.json ? undefined : process.stdout.write(`${text}\n`));
  const audit = await runAudit(target);
  const found = findingRows(audit);
  if (!opts.json) output(false, COLUMNS, found);
  if (!opts.fix || repairable(audit) === 0) {
    if (opts.json) process.stdout.write(`${JSON.stringify(audit, null, 2)}\n`);
    if (found.length === 0) print('clean');
    else print(opts.fix ? 'nothing the repair can fix' : `${found.length} finding(s); --fix repairs allocations`);
    return found.length === 0 ? 0 : 2;
  }
  const count = repairable(audit);
  if (!opts.yes && !(await confirm(`Repair ${count} allocation finding(s) through the conductor? [y/N] `))) {
    process.stdout.write(
      opts.json ? `${JSON.stringify({ found: audit, repaired: [] }, null, 2)}\n` : 'nothing changed\n',
    );
    return 1;
  }
  const repaired = await repairFindings(target, audit);
  const after = await runAudit(target);
  const left = findingRows(after).length;
  if (opts.json) process.stdout.write(`${JSON.stringify({ found: audit, repaired, after }, null, 2)}\n`);
  else output(false, COLUMNS, repaired);
  print(left === 0 ? 'clean' : `${left} finding(s) left`);
  return left === 0 ? 0 : 2;
}
