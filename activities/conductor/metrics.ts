import { Counter, Histogram } from 'prom-client';

/** Finished operations (instance actions) by Nova's action name and outcome (`success`, `error`). */
export const operationsFinished = new Counter({
  name: 'nova_operations_total',
  help: 'Operations that reached their end, by action and outcome',
  labelNames: ['action', 'outcome'] as const,
});

/** From the API's acceptance to the conductor's last write, per action. */
export const operationSeconds = new Histogram({
  name: 'nova_operation_duration_seconds',
  help: 'Duration of finished operations, by action',
  labelNames: ['action'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
});
