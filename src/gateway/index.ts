/**
 * `step-up-gateway/gateway`: the standalone gateway (`step-up-gateway serve` as a library): its configuration
 * and its server, with the shared state (Redis), the structured log (pino), metrics (prom-client) and, in dev
 * mode, the embedded provider. Kept apart from the main entry, as Apollo keeps `@apollo/server/standalone`
 * apart, so that a team using only `createStepUp` loads none of it.
 */
export { loadConfig } from '../config.js';
export type { Config } from '../config.js';
export { startGateway } from '../server.js';
export type { Gateway, GatewayOptions, IdentityPublication } from '../server.js';
export { runGateway } from '../serve.js';
export type { RunGatewayOptions, ServedGraph } from '../serve.js';
export type { GraphDefinition, GraphRequest } from './graph.js';
