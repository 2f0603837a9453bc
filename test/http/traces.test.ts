import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GOLD, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';

/**
 * Traces with an OpenTelemetry SDK registered, as an application would: the gateway's spans, their
 * step-up attributes, and the caller's trace continued through the gateway to the subgraphs.
 */
const exporter = new InMemorySpanExporter();
let h: Harness;
beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
async function post(query: string, token: string): Promise<void> {
  await fetch(h.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
    body: JSON.stringify({ query }),
  });
}
const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().find((span) => span.name === name)!;

describe('traces', () => {
  it("continue the caller's trace: the request span's parent is the caller's traceparent", async () => {
    await post('{ repositories { name } }', await h.issuer.sign({ acr: GOLD, auth_time: T0 }));
    const request = named('POST /graphql');
    expect(request.spanContext().traceId).toBe(TRACE_ID);
    expect(request.parentSpanContext?.spanId).toBe(CALLER_SPAN);
  });

  it('have a span for the token check, the planning and each subgraph fetch, inside the request', async () => {
    await post('{ repositories { name owner { login } } viewer { email } }', await h.issuer.sign({ acr: SILVER, auth_time: T0 }));
    const request = named('POST /graphql');
    for (const name of ['step-up.verify_token', 'step-up.plan', 'subgraph accounts', 'subgraph repositories']) {
      const span = named(name);
      expect(span, name).toBeDefined();
      expect(span.spanContext().traceId, name).toBe(TRACE_ID);
    }
    expect(named('subgraph accounts').attributes).toMatchObject({ 'stepup.subgraph': 'accounts', 'stepup.outcome': 'ok', 'http.response.status_code': 200 });
    expect(named('step-up.verify_token').parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });

  it('carry the step-up outcome of a refused mutation on the pre-execution check span', async () => {
    await post('mutation { updateEmail(email: "a@b.example") { email } }', await h.issuer.sign({ acr: SILVER, auth_time: T0 }));
    expect(named('step-up.check').attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'stepup.outcome': 'refused' });
    expect(spans().filter((span) => span.name.startsWith('subgraph '))).toEqual([]);
  });
});
