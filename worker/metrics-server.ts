import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { register } from 'prom-client';

/**
 * Serves this process's own metrics (the conductor's operations and scheduler decisions) at /metrics when
 * NOVA_METRICS_PORT is set; returns the server so shutdown can close it.
 */
export function serveProcessMetrics(log: Logger): Server | undefined {
  const port = process.env['NOVA_METRICS_PORT'];
  if (!port) return undefined;
  const bind = process.env['NOVA_METRICS_BIND'] ?? '127.0.0.1';
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    register.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': register.contentType }).end(body),
      (err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        res.writeHead(500).end();
      },
    );
  });
  server.listen(Number(port), bind, () => log.info({ metrics: `http://${bind}:${port}/metrics` }, 'metrics served'));
  return server;
}
