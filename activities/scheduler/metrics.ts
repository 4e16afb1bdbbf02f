import { Counter, Histogram } from 'prom-client';

/** Scheduling decisions by outcome (`placed`, `no_valid_host`), in the process that runs the scheduler. */
export const schedulerDecisions = new Counter({
  name: 'nova_scheduler_decisions_total',
  help: 'Host selections by outcome',
  labelNames: ['outcome'] as const,
});

export const schedulerSeconds = new Histogram({
  name: 'nova_scheduler_selection_seconds',
  help: 'Time to filter and weigh hosts for one request',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
});
