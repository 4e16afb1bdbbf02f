/**
 * The body of a load thread (bench/get-load.ts): every path GETs `rounds` times in a closed loop on a keep-alive
 * connection of its own, all paths at once, each timed to its last byte. It asks for gzip as openstacksdk does
 * and, like a load generator, leaves the bytes compressed (each real client inflates on its own machine): only
 * the first body of each path is inflated and checked, after the load.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { GetLoad, GetLoadReport } from './get-load';

interface Reply {
  status: number | undefined;
  encoding: string | undefined;
  body: Buffer;
}

function get(agent: Agent, url: string, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'Accept-Encoding': 'gzip, deflate' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject).end();
  });
}

function check(load: GetLoad, path: string, reply: Reply): void {
  const body = reply.encoding === 'gzip' ? gunzipSync(reply.body) : reply.body;
  const head = body.subarray(0, load.bodyStartsWith.length).toString();
  if (reply.status !== 200 || head !== load.bodyStartsWith) {
    throw new Error(`GET ${path}: ${reply.status} ${body.subarray(0, 200).toString()}`);
  }
}

async function run(load: GetLoad): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.paths.length });
  const samples: number[] = [];
  // Checked once the load is over: inflating a hundred pages in this thread would delay the replies behind them.
  const firstReplies = new Map<string, Reply>();
  try {
    await Promise.all(
      load.paths.map(async (path) => {
        for (let i = 0; i < load.rounds; i++) {
          const began = performance.now();
          const reply = await get(agent, `${load.baseUrl}${path}`, load.timeoutMs);
          samples.push(performance.now() - began);
          if (reply.status !== 200) check(load, path, reply);
          if (i === 0) firstReplies.set(path, reply);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  for (const [path, reply] of firstReplies) check(load, path, reply);
  return samples;
}

const reply = (report: GetLoadReport) => parentPort?.postMessage(report);
run(workerData as GetLoad).then(
  (samples) => reply({ samples }),
  (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
);
