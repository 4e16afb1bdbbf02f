#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { login } from './api-client';
import { auditCommand } from './commands/audit';
import { cancelOperation } from './commands/cancel';
import { hostFaults, parseMode, parseStep } from './commands/faults';
import { printOperations } from './commands/operations';
import { setHostDown } from './commands/hosts';
import { retryMigration } from './commands/retry';
import { statusText, watchOperation } from './commands/watch';
import { output } from './table';
import { connectTemporal } from './temporal';

/**
 * nova-admin: the operator's tool. It reads operations from Temporal (TEMPORAL_ADDRESS), acts through the
 * compute API with the OS_* credentials (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME), and flips
 * fault switches in NOVA_DATA_DIR. It never writes the database.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('expected a server UUID');
  return value.toLowerCase();
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A status line that rewrites itself on a terminal and prints plain lines otherwise. */
function statusLine(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

const program = new Command('nova-admin').description('Operate nova-temporal: find, retry, cancel, audit, inject');

program
  .command('operations')
  .description('list the operations of an instance or a host, with their state and current step')
  .option('--instance <uuid>', 'server UUID', uuid)
  .option('--host <name>', 'compute host')
  .option('--running', 'only running operations')
  .option('--json', 'JSON instead of a table')
  .action(async (opts: { instance?: string; host?: string; running?: boolean; json?: boolean }) => {
    const temporal = await connectTemporal();
    try {
      await printOperations(temporal.client, opts, opts.json ?? false);
    } finally {
      await temporal.close();
    }
  });

program
  .command('cancel')
  .description("cancel an instance's running operation; its compensation runs before this returns")
  .argument('<server>', 'server UUID', uuid)
  .option('--timeout <seconds>', 'how long to wait for the rollback', positiveInt, 120)
  .action(async (server: string, opts: { timeout: number }) => {
    const temporal = await connectTemporal();
    try {
      process.stdout.write(
        `${await cancelOperation(temporal.client, temporal.queuePrefix, server, opts.timeout * 1000)}\n`,
      );
    } finally {
      await temporal.close();
    }
  });

program
  .command('retry')
  .description("retry a server's failed migration and follow it until it settles")
  .argument('<server>', 'server UUID', uuid)
  .action(async (server: string) => {
    const result = await retryMigration(await login(), server, statusLine);
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(`${result}\n`);
  });

program
  .command('watch')
  .description("follow an instance's operation with a live status line until it ends or waits for a decision")
  .argument('<server>', 'server UUID', uuid)
  .option('--timeout <seconds>', 'give up after this long (exit code 3)', positiveInt)
  .option('--json', 'one JSON object per change, then the outcome')
  .action(async (server: string, opts: { timeout?: number; json?: boolean }) => {
    const temporal = await connectTemporal();
    try {
      let last = '';
      const outcome = await watchOperation(temporal.client, temporal.queuePrefix, server, {
        timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
        onSample: (sample) => {
          if (opts.json) {
            const line = JSON.stringify(sample);
            if (line !== last) process.stdout.write(`${line}\n`);
            last = line;
          } else statusLine(statusText(sample, Date.now()));
        },
      });
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ exitCode: outcome.exitCode, message: outcome.message })}\n`);
      else {
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stdout.write(`${outcome.message}\n`);
      }
      process.exitCode = outcome.exitCode;
    } finally {
      await temporal.close();
    }
  });

program
  .command('audit')
  .description('run the allocation audit: orphan allocations, placed instances without claims, over-commit')
  .option('--json', 'JSON instead of a table')
  .option('--fix', 'after confirmation, have the conductor remove orphaned and recreate missing allocations')
  .option('--yes', 'with --fix: do not ask')
  .action(async (opts: { json?: boolean; fix?: boolean; yes?: boolean }) => {
    process.exitCode = await auditCommand(await login(), opts);
  });

const hosts = program.command('host').description('mark a compute host down or up (os-services)');
for (const [name, down] of [
  ['down', true],
  ['up', false],
] as const) {
  hosts
    .command(name)
    .description(
      down ? 'force the host down and disable it (before evacuating it)' : 'enable it, no longer forced down',
    )
    .argument('<host>')
    .option('--reason <text>', 'why (shown as disabled_reason)')
    .option('--json', 'JSON instead of a table')
    .action(async (host: string, opts: { reason?: string; json?: boolean }) => {
      const service = await setHostDown(await login(), host, down, opts.reason);
      output(opts.json ?? false, ['host', 'status', 'state', 'forced_down', 'disabled_reason'], [service]);
    });
}

const faults = program.command('fault').description("set, clear and show a host's fake-hypervisor fault switches");
const dataDir = () => process.env['NOVA_DATA_DIR'] ?? 'data';

faults
  .command('set')
  .argument('<host>')
  .argument('<step>', 'hypervisor step, e.g. spawn, migrateDisk, finishMigration')
  .argument('<mode>', 'fail | abort | hang | slow')
  .option('--times <n>', 'fire at most n times', positiveInt)
  .option('--delay-ms <ms>', 'for slow: how much slower', positiveInt)
  .action(async (host: string, step: string, mode: string, opts: { times?: number; delayMs?: number }) => {
    const fault = {
      mode: parseMode(mode),
      ...(opts.times ? { times: opts.times } : {}),
      ...(opts.delayMs ? { delayMs: opts.delayMs } : {}),
    };
    await hostFaults(dataDir(), host).set(parseStep(step), fault);
    process.stdout.write(`${host}: ${step} → ${JSON.stringify(fault)}\n`);
  });

faults
  .command('clear')
  .argument('<host>')
  .argument('[step]')
  .action(async (host: string, step: string | undefined) => {
    await hostFaults(dataDir(), host).clear(step === undefined ? undefined : parseStep(step));
    process.stdout.write(`${host}: ${step ?? 'all switches'} cleared\n`);
  });

faults
  .command('show')
  .argument('<host>')
  .option('--json', 'JSON instead of a table')
  .action(async (host: string, opts: { json?: boolean }) => {
    const switches = await hostFaults(dataDir(), host).read();
    const rows = Object.entries(switches).map(([step, f]) => ({ step, ...f }));
    output(opts.json ?? false, ['step', 'mode', 'times', 'delayMs'], rows);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`nova-admin: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
