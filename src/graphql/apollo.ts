import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { Config } from '../config.js';
import type { StepUpContext } from './context.js';
import { knownOperationTypesRule } from './knownOperationTypesRule.js';
import { maxAliasesRule } from './limits/maxAliasesRule.js';
import { maxDepthRule } from './limits/maxDepthRule.js';
import { maxSelectionsRule } from './limits/maxSelectionsRule.js';
import type { PolicyTable } from './policyTable.js';
import { stepUpPlugin } from './plugin.js';
import type { TransactionTickets } from './tickets.js';

/** Milliseconds requests in flight may take to finish once shutdown begins; then their connections are closed. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Apollo Server with both layers of enforcement, the request limits and APQ (in memory or the given cache). */
export function createApollo(
  config: Pick<Config, 'introspection' | 'apq' | 'limits' | 'realm'>,
  graph:
    /** A local graph: `schema` with the resolve-time guards on (`applyStepUpGuards`). */
    | { readonly schema: GraphQLSchema; readonly policy: PolicyTable }
    | { readonly gateway: GatewayInterface; readonly policyOf: (schema: GraphQLSchema) => PolicyTable },
  options: {
    httpServer: Server;
    apqCache: KeyValueCache<string> | undefined;
    warn: (message: string) => void;
    /** Transaction tickets for approvals, when `approvals.tickets` is on. */
    tickets?: TransactionTickets | undefined;
    /** The last word on every error: a subgraph's fault becomes the gateway's own code, with no upstream detail. */
    formatError: (formatted: GraphQLFormattedError, error: unknown, warn: (message: string) => void) => GraphQLFormattedError;
  },
): ApolloServer<StepUpContext> {
  // A local graph's schema and a federated graph's come guarded.
  const served = 'gateway' in graph ? { gateway: graph.gateway } : { schema: graph.schema };
  return new ApolloServer<StepUpContext>({
    ...served,
    introspection: config.introspection,
    // "Did you mean …?" names fields and types: a schema that cannot be introspected must not leak that way.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    includeStacktraceInErrorResponses: false,
    // The process entry handles SIGINT/SIGTERM (drain, then close Redis); Apollo's own handler would
    // race it and send the signal again.
    stopOnTerminationSignals: false,
    // A request carrying Authorization cannot be sent cross-site without a CORS preflight, just like the
    // headers Apollo accepts by default; urql sends queries as GET with it and no content-type.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] },
    formatError: (formatted, error) => options.formatError(callerErrorsAreNotInternal(formatted, error), error, options.warn),
    // Automatic persisted queries: Apollo's in-memory LRU cache, or Redis shared by every replica.
    persistedQueries: config.apq ? (options.apqCache === undefined ? {} : { cache: options.apqCache }) : false,
    // Bounds on what one document may ask, refused with 400 before execution (GRAPHQL_PARSE_FAILED
    // past maxTokens, GRAPHQL_VALIDATION_FAILED with extensions.limit for the rest).
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: limitRules(config.limits),
    plugins: [
      stepUpPlugin<StepUpContext>('gateway' in graph ? graph.policyOf : graph.policy, { realm: config.realm, tickets: options.tickets }),
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer, stopGracePeriodMillis: SHUTDOWN_GRACE_MS }),
      ApolloServerPluginLandingPageDisabled(),
      // Answers depend on the caller's token, so they are never shared-cacheable: Apollo's cache-control
      // plugin would only cost a willResolveField hook around every resolver.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
}

/** The rules every document is validated with beyond graphql-js's own, over HTTP and over WebSocket alike. */
export function limitRules(limits: Config['limits']): ValidationRule[] {
  return [
    knownOperationTypesRule,
    maxDepthRule(limits.maxDepth),
    maxAliasesRule({ perField: limits.maxAliasesPerField, total: limits.maxAliases }),
    maxSelectionsRule(limits.maxSelections),
  ];
}

/**
 * Apollo Server refuses some requests with an HTTP 4xx but no code (an APQ hash that does not match its
 * query, an unknown APQ version), which it then labels INTERNAL_SERVER_ERROR. The caller's mistake keeps
 * a stable caller's code: BAD_REQUEST.
 */
function callerErrorsAreNotInternal(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (formatted.extensions?.['code'] !== 'INTERNAL_SERVER_ERROR') return formatted;
  const status = (error as { extensions?: { http?: { status?: unknown } } } | null)?.extensions?.http?.status;
  if (!(typeof status === 'number' && status >= 400 && status < 500)) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_REQUEST' } };
}
