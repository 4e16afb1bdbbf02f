import {
  type ActivityInput,
  type ContinueAsNewInput,
  type DisposeInput,
  type GetLogAttributesInput,
  type Headers,
  type LocalActivityInput,
  type Next,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { hasPatch } from './patches';
import type * as Otel from '@temporalio/interceptors-opentelemetry/lib/workflow';

/**
 * Not a workflow: OpenTelemetry's workflow interceptors, for traced runs only, and minus spans for queries and
 * update validators.
 *
 * A span takes its ids from the workflow's seeded Math.random. Queries and refused updates leave nothing in the
 * history, so a span made for one moves the random sequence on in the first execution but not on replay: every
 * uuid4() after it (a migration's id) then came out differently when a restarted conductor replayed the run, and
 * the operation failed on a migration that did not exist.
 *
 * A run is traced when its start carries a trace context (`_tracer-data`, which the API's client interceptor
 * adds when tracing is on). An untraced run loads no OpenTelemetry code and makes no span: the spans (and the
 * promises the SDK records a stack trace for) were a third of the workflow thread's CPU with tracing off, their
 * export going to a no-op sink. Runs started before this rule keep their spans (the patch), so their random
 * sequence, and with it their uuid4()s, replays unchanged.
 */
const SPANS_ONLY_WHEN_TRACED = 'workflow-spans-only-when-traced';
/** The header the OpenTelemetry interceptors carry a span context in (TRACE_HEADER of the interceptors). */
const TRACE_HEADER = '_tracer-data';

// Module state is per workflow run (see progress.ts).
let traced: boolean | undefined;
let otel:
  | {
      inbound: WorkflowInboundCallsInterceptor;
      outbound: WorkflowOutboundCallsInterceptor;
      internals: WorkflowInternalsInterceptor;
    }
  | undefined;

/** Decided once per run, when it starts: every later call of the run (replays included) follows it. */
function decide(headers: Headers): void {
  traced = !hasPatch(SPANS_ONLY_WHEN_TRACED) || TRACE_HEADER in headers;
}

/** OpenTelemetry's interceptors when the run is traced (loaded on first use), undefined otherwise. */
function spans(): typeof otel {
  if (traced === false) return undefined;
  if (!otel) {
    // Loaded lazily: evaluating OpenTelemetry's modules and registering its tracer cost every run, traced or not.
    const lib = require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof Otel;
    otel = {
      inbound: new lib.OpenTelemetryInboundInterceptor(),
      outbound: new lib.OpenTelemetryOutboundInterceptor(),
      internals: new lib.OpenTelemetryInternalsInterceptor(),
    };
  }
  return otel;
}

class TracedInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    decide(input.headers);
    const o = spans();
    return o?.inbound.execute ? o.inbound.execute(input, next) : next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const o = spans();
    return o?.inbound.handleSignal ? o.inbound.handleSignal(input, next) : next(input);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const o = spans();
    return o?.inbound.handleUpdate ? o.inbound.handleUpdate(input, next) : next(input);
  }
}

class TracedOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    const o = spans();
    return o?.outbound.scheduleActivity ? o.outbound.scheduleActivity(input, next) : next(input);
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    const o = spans();
    return o?.outbound.scheduleLocalActivity ? o.outbound.scheduleLocalActivity(input, next) : next(input);
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    const o = spans();
    return o?.outbound.startChildWorkflowExecution ? o.outbound.startChildWorkflowExecution(input, next) : next(input);
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>) {
    const o = spans();
    return o?.outbound.signalWorkflow ? o.outbound.signalWorkflow(input, next) : next(input);
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>) {
    const o = spans();
    return o?.outbound.continueAsNew ? o.outbound.continueAsNew(input, next) : next(input);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>) {
    // Log lines may come before the run starts (or from a query): they never load OpenTelemetry.
    return traced && otel?.outbound.getLogAttributes ? otel.outbound.getLogAttributes(input, next) : next(input);
  }
}

/** A traced run's context manager goes with the run (OpenTelemetryInternalsInterceptor). */
class TracedInternals implements WorkflowInternalsInterceptor {
  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    if (otel?.internals.dispose) otel.internals.dispose(input, next);
    else next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new TracedInbound()],
  outbound: [new TracedOutbound()],
  internals: [new TracedInternals()],
});
