import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry traces through `@opentelemetry/api` alone: without a registered SDK every span is a no-op
 * (no allocation of note, nothing exported); an application that registers the Node SDK gets the gateway's
 * spans, with the step-up attributes below, and W3C `traceparent` carried to the subgraphs.
 */
export const tracer = trace.getTracer('step-up-gateway');

/** Span attribute names for step-up decisions. */
export const ATTRIBUTES = {
  requirementLevel: 'stepup.requirement.level',
  requirementMaxAge: 'stepup.requirement.max_age',
  requirementOnce: 'stepup.requirement.once',
  callerLevel: 'stepup.caller.level',
  outcome: 'stepup.outcome',
  subgraph: 'stepup.subgraph',
  requestId: 'stepup.request_id',
} as const;

/** Runs `work` in a span that ends when it settles; a throw marks the span as an error. */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, options.parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The trace context a caller sent (`traceparent`, `tracestate`), as the parent of the gateway's spans. */
export function incomingContext(headers: Readonly<Record<string, string | string[] | undefined>>): Context {
  return propagation.extract(context.active(), headers);
}

/** Writes the active trace context into an outgoing request's headers (W3C `traceparent`). */
export function injectTraceContext(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

export { SpanKind };
