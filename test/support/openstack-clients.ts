import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const VENV = path.join(ROOT, '.tools', 'openstack-venv', 'bin');

/** Installs openstacksdk and python-openstackclient from PyPI into .tools/ unless they are there. */
export function installOpenStackClients(): void {
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'install-openstack-clients.sh')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`installing the OpenStack clients failed:\n${result.stderr}`);
}

/** The OS_* settings a clouds.yaml or openrc would give the clients, for one user of the test stack. */
export function openrc(baseUrl: string, user: string, password: string, project: string): Record<string, string> {
  return {
    OS_AUTH_URL: `${baseUrl}/identity/v3`,
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: project,
    OS_USER_DOMAIN_ID: 'default',
    OS_PROJECT_DOMAIN_ID: 'default',
    OS_IDENTITY_API_VERSION: '3',
    OS_INTERFACE: 'public',
  };
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program from the clients' venv (asynchronously: the API under test runs in this process). */
export function runClient(program: string, args: string[], env: Record<string, string>): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(VENV, program), args, {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], PYTHONUNBUFFERED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `openstack <args> -f json`, parsed; throws with the CLI's own error output when it fails. */
export async function openstackJson(args: string[], env: Record<string, string>): Promise<unknown> {
  const run = await runClient('openstack', [...args, '-f', 'json'], env);
  if (run.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Runs one of test/clients/*.py with the venv's Python; each stdout line is a JSON observation. */
export async function runSdkScript(
  script: string,
  env: Record<string, string>,
): Promise<{ run: ClientRun; steps: Record<string, unknown>[] }> {
  const run = await runClient('python', [path.join(ROOT, 'test', 'clients', script)], env);
  const steps = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { run, steps };
}
