import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const ST = path.join(ROOT, '.tools', 'schemathesis-venv', 'bin', 'st');

/** Installs schemathesis from PyPI into .tools/ unless it is there. */
export function installSchemathesis(): void {
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'install-schemathesis.sh')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`installing schemathesis failed:\n${result.stderr}`);
}

export interface FuzzRun {
  code: number | null;
  output: string;
}

/** `st run <args>` (asynchronously: the API under test runs in this process), killed after `timeoutMs`. */
export function runSchemathesis(args: string[], timeoutMs: number): Promise<FuzzRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ST, ['run', ...args], {
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        NO_COLOR: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        COLUMNS: '200',
        // Glance's JSON-patch media type, serialized as JSON.
        PYTHONPATH: __dirname,
        SCHEMATHESIS_HOOKS: 'schemathesis_hooks',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
