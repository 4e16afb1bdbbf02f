import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ChaosApi } from './api-client';
import { auditHistories } from './audit-histories';
import { auditHosts } from './audit-hosts';
import { auditRecords } from './audit-records';
import { drain } from './drain';
import { FaultInjector } from './faults';
import { Ledger } from './ledger';
import type { OperationContext } from './operations';
import type { ChaosOptions } from './options';
import { Random } from './random';
import { countsOf, renderReport, type ChaosResult } from './report';
import { REPORT_INTERVAL_MS, startChaosSystem } from './system';
import { pause, Workload } from './workload';

/** One chaos run: start the system, run the mix and the faults, drain, audit, report. */
export async function runChaos(
  options: ChaosOptions,
  command: string,
  log: (line: string) => void,
): Promise<ChaosResult> {
  const began = Date.now();
  mkdirSync(options.runDir, { recursive: true });
  log(`chaos: seed ${options.seed}, run directory ${options.runDir}`);
  const system = await startChaosSystem(options, began);
  try {
    log(`chaos: system up in ${((Date.now() - began) / 1000).toFixed(1)} s (${system.supervisor.names().join(', ')})`);
    const api = new ChaosApi(system.apiUrl);
    await api.login();
    // The run creates more servers than Nova's default quota of 10 allows the admin project.
    const unlimited = { quota_set: { instances: -1, cores: -1, ram: -1 } };
    const [admin] = await system.sql<{ id: string }[]>`SELECT id FROM projects WHERE name = 'admin'`;
    await api.request('PUT', `/v2.1/os-quota-sets/${admin?.id}`, unlimited);
    const random = new Random(options.seed);
    const ledger = new Ledger(began);
    const ctx: OperationContext = { api, ledger, random: random.fork('workload'), snapshots: [] };
    const workloadBegan = Date.now();
    const until = workloadBegan + options.minutes * 60_000;
    const workload = new Workload(ctx, {
      pool: options.pool,
      concurrency: options.concurrency,
      ops: options.ops,
      until,
    });
    const injector = new FaultInjector(
      system,
      { ...ctx, random: random.fork('probe') },
      random.fork('faults'),
      began,
      workload.created,
    );
    const progress = setInterval(
      () => log(`chaos: ${ledger.entries.length} requests, ${injector.faults.length} faults`),
      30_000,
    );
    await Promise.all([workload.run(), injector.run(until, options.faultIntervalMs)]);
    clearInterval(progress);
    const workloadMs = Date.now() - workloadBegan;
    log(`chaos: workload done (${ledger.entries.length} requests); draining`);
    const quiescenceMs = await drain(system, ctx, injector, options.drainMs);
    // The hosts' periodic reapers act on what settled last (an orphaned guest, a settled migration's disk copy) at
    // their next report: a few report intervals before the audit looks.
    if (quiescenceMs !== undefined) await pause(3 * REPORT_INTERVAL_MS);
    log(`chaos: ${quiescenceMs === undefined ? 'not quiescent at the deadline' : 'quiescent'}; auditing`);
    const histories = await auditHistories(system.client);
    const findings = [
      ...(await auditRecords(system.sql, ledger)),
      ...(await auditHosts(system.sql, system.dataDir, system.hosts)),
      ...histories.findings,
    ];
    const exits = system.supervisor.unexpectedExits;
    const result: ChaosResult = {
      command,
      seed: options.seed,
      runDir: options.runDir,
      workloadMs,
      quiescenceMs,
      operations: [...ledger.table().entries()],
      faults: injector.faults,
      unexpectedExits: exits,
      findings,
      historyRuns: histories.runs,
      counts: countsOf(findings, injector.faults, exits),
    };
    writeFileSync(path.join(options.runDir, 'report.md'), renderReport(result));
    writeFileSync(path.join(options.runDir, 'ledger.json'), JSON.stringify(ledger.entries, null, 1));
    return result;
  } finally {
    await system.stop();
  }
}
