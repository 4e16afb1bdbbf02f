import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Where the fuzz tests write the documents they fuzz from and what schemathesis printed. */
export const FUZZ_REPORTS = path.join(ROOT, 'test-results', 'schemathesis');

/** The number of operations (method and path) in an OpenAPI document. */
export function operationCount(doc: { paths: Record<string, object> }): number {
  return Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
}

/**
 * Writes the document to FUZZ_REPORTS/<name>.json and returns its path. From a file: loaded from its URL,
 * schemathesis would leave out the route that serves the document itself.
 */
export function writeFuzzSchema(name: string, doc: object): string {
  mkdirSync(FUZZ_REPORTS, { recursive: true });
  const file = path.join(FUZZ_REPORTS, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

export interface FuzzOptions {
  /** The document's file (writeFuzzSchema) and how many operations it has. */
  schema: string;
  operations: number;
  url: string;
  mode: 'positive' | 'negative' | 'all';
  checks: string[];
  /** Names the output file (FUZZ_REPORTS/<report>.txt) and the HAR of every exchange (<report>.har). */
  report: string;
  /** Time budget of the run: schemathesis stops generating when it is spent. */
  maxTimeS: number;
  /** More options: fixed headers (`-H Name:value`), examples per operation. */
  args?: string[];
}

/**
 * One bounded, reproducible schemathesis run (fixed seed, one worker: hypothesis' lambda descriptions are not
 * thread-safe). Asserts that every operation of the document was selected and tested and that no check failed;
 * returns the run's exchanges from its HAR for the caller's own assertions.
 */
export async function fuzzAndExpectClean(options: FuzzOptions): Promise<HarEntry[]> {
  const har = path.join(FUZZ_REPORTS, `${options.report}.har`);
  const run = await runSchemathesis(
    [
      options.schema,
      `--url=${options.url}`,
      `--mode=${options.mode}`,
      `--checks=${options.checks.join(',')}`,
      '--phases=examples,coverage,fuzzing',
      '--max-examples=6',
      `--max-time=${options.maxTimeS}`,
      '--seed=7',
      '--workers=1',
      '--request-timeout=40',
      '--report=har',
      `--report-har-path=${har}`,
      ...(options.args ?? []),
    ],
    (options.maxTimeS + 60) * 1000,
  );
  writeFileSync(path.join(FUZZ_REPORTS, `${options.report}.txt`), run.output);
  const summary = run.output.slice(run.output.lastIndexOf('SUMMARY'));
  // Every operation of the document is selected and tested: nothing is skipped without a word.
  expect(summary).toContain(`Selected: ${options.operations}/${options.operations}`);
  expect(summary).toContain(`Tested: ${options.operations}`);
  expect({ code: run.code, summary: run.code === 0 ? '' : run.output.slice(-8000) }).toEqual({ code: 0, summary: '' });
  return (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries;
}

/** One request and its response, as the HAR report records them. */
export interface HarEntry {
  request: { method: string; url: string; headers: { name: string; value: string }[] };
  response: { status: number; content: { mimeType?: string; text?: string } };
}
