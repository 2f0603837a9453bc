import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics, in a registry of its own (two gateways in one process, as tests run
 * them, count apart). Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'status' | 'operation_type'>;
  readonly decisions: Counter<'coordinate' | 'outcome'>;
  readonly tokenVerifications: Counter<'outcome'>;
  readonly tokenCache: Counter<'result'>;
  readonly jwksFetches: Counter<'outcome'>;
  readonly introspections: Counter<'outcome'>;
  readonly redisUp: Gauge;
  readonly subgraphRequests: Counter<'subgraph' | 'outcome'>;
  readonly subgraphDuration: Histogram<'subgraph'>;
  readonly policyCoordinates: Gauge;
  readonly policyWeakenings: Counter<'coordinate' | 'outcome'>;
  readonly subscriptionsActive: Gauge;
  readonly subscriptionEnds: Counter<'reason'>;
}

export function createGatewayMetrics(options: { processMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'stepup_gateway_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'stepup_gateway_requests_total',
      help: 'GraphQL requests answered, by HTTP status and operation type',
      labelNames: ['status', 'operation_type'],
      registers,
    }),
    decisions: new Counter({
      name: 'stepup_gateway_decisions_total',
      help: 'Step-up decisions that matter, by schema coordinate and outcome (allowed by a step-up, or the refusal code)',
      labelNames: ['coordinate', 'outcome'],
      registers,
    }),
    tokenVerifications: new Counter({
      name: 'stepup_gateway_token_verifications_total',
      help: 'Access tokens checked, by outcome (valid, invalid, unavailable)',
      labelNames: ['outcome'],
      registers,
    }),
    tokenCache: new Counter({
      name: 'stepup_gateway_token_cache_total',
      help: 'Token cache lookups, by result (hit, miss)',
      labelNames: ['result'],
      registers,
    }),
    jwksFetches: new Counter({
      name: 'stepup_gateway_jwks_fetches_total',
      help: "Fetches of the issuer's discovery document and JWKS, by outcome (ok, failed)",
      labelNames: ['outcome'],
      registers,
    }),
    introspections: new Counter({
      name: 'stepup_gateway_introspection_requests_total',
      help: 'Token introspection requests (RFC 7662), by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    redisUp: new Gauge({
      name: 'stepup_gateway_redis_up',
      help: '1 when the shared state (Redis) answers, 0 when it does not; absent without Redis',
      registers,
    }),
    subscriptionsActive: new Gauge({
      name: 'stepup_gateway_subscriptions_active',
      help: 'Subscriptions open now (GraphQL over WebSocket)',
      registers,
    }),
    subscriptionEnds: new Counter({
      name: 'stepup_gateway_subscription_ends_total',
      help: 'Subscriptions ended, by reason (step_up_required, unauthenticated, unavailable, completed, client, shutdown)',
      labelNames: ['reason'],
      registers,
    }),
    subgraphRequests: new Counter({
      name: 'stepup_gateway_subgraph_requests_total',
      help: 'Requests to subgraphs, by subgraph and outcome (ok, or the fault code)',
      labelNames: ['subgraph', 'outcome'],
      registers,
    }),
    subgraphDuration: new Histogram({
      name: 'stepup_gateway_subgraph_request_duration_seconds',
      help: 'Time to a subgraph answer (headers), by subgraph',
      labelNames: ['subgraph'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    policyCoordinates: new Gauge({ name: 'stepup_gateway_policy_coordinates', help: 'Protected schema coordinates in the policy table served now', registers }),
    policyWeakenings: new Counter({
      name: 'stepup_gateway_policy_weakenings_total',
      help: 'Coordinates a reloaded supergraph would weaken, by outcome (refused, or served with reload.allowWeakening)',
      labelNames: ['coordinate', 'outcome'],
      registers,
    }),
  };
}
