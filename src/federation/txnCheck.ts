import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { gatewayError } from '../graphql/errors.js';
import { requestDigest, type SubgraphRequest } from './txnToken.js';
import type { TransactionStore } from './txnReplay.js';

/** What the context function verified, for the plugin to check against the body Apollo Server parsed. */
export interface VerifiedTransaction {
  readonly aud: string;
  readonly exp: number;
  /** Absent for a legacy identity (accepted only when the subgraph opted in): nothing to check then. */
  readonly txn?: string | undefined;
  readonly req_digest?: string | undefined;
}

/** What a transaction token's check against its request found: nothing wrong, a refusal (why), or a store out of reach. */
export type TransactionCheck = undefined | { readonly refused: string } | { readonly unavailable: true };

/**
 * The check every transport makes once it has the request a verified token came with: the digest names this
 * document, operation and variables, and the `txn` has not been accepted before (remembered until the token
 * could no longer be accepted anyway: `exp` plus the tolerance). A legacy identity (no `txn`) has nothing to check.
 */
export async function checkTransaction(
  verified: VerifiedTransaction,
  request: SubgraphRequest,
  options: { readonly store: TransactionStore; readonly clock: () => number; readonly clockTolerance: number },
): Promise<TransactionCheck> {
  if (verified.txn === undefined) return undefined;
  const digest = requestDigest(request);
  if (digest !== verified.req_digest) return { refused: 'the transaction token was issued for another request' };
  const ttlMs = Math.max(1, verified.exp + options.clockTolerance - options.clock()) * 1000;
  let first: boolean;
  try {
    first = await options.store.claim(`txn:${verified.aud}:${verified.txn}`, ttlMs);
  } catch {
    return { unavailable: true };
  }
  return first ? undefined : { refused: 'the transaction token was used already' };
}

export function unauthenticated(why: string): never {
  throw gatewayError('UNAUTHENTICATED', `This service answers the gateway only: ${why}`, { http: { status: 401, headers: new HeaderMap() } });
}

/**
 * The per-request half of a transaction token's check, which the context function cannot do (Apollo Server
 * parses the body after it): the digest names the document and variables this request carries, and its
 * `txn` has not been accepted before. `pending` holds what the context function verified, keyed by the
 * `identity` object it put in the context (Apollo Server hands the plugin and the resolvers a shallow copy
 * of the context, per operation); a context that passes is added to `checked`.
 */
export function transactionPlugin(options: {
  readonly pending: WeakMap<object, VerifiedTransaction>;
  readonly checked: WeakSet<object>;
  readonly store: TransactionStore;
  /** Seconds since the epoch. */
  readonly clock: () => number;
  /** Seconds of clock skew tolerated past `exp`. */
  readonly clockTolerance: number;
}): ApolloServerPlugin {
  const { pending, checked, store, clock, clockTolerance } = options;
  return {
    async requestDidStart() {
      return {
        // After parsing and validation, before anything executes: a request that cannot parse never runs.
        async didResolveOperation({ request, source, contextValue }) {
          const identity = (contextValue as { identity?: unknown }).identity;
          const verified = typeof identity === 'object' && identity !== null ? pending.get(identity) : undefined;
          // Deleted at once: a second operation in the same HTTP request (a batch) finds nothing and is refused.
          if (verified === undefined) return unauthenticated('no transaction token was verified for this request');
          pending.delete(identity as object);
          const found = await checkTransaction(
            verified,
            { query: source ?? request.query, operationName: request.operationName, variables: request.variables },
            { store, clock, clockTolerance },
          );
          if (found !== undefined && 'unavailable' in found)
            throw gatewayError('SERVICE_UNAVAILABLE', 'Transaction tokens cannot be checked right now', { http: { status: 503, headers: new HeaderMap() } });
          if (found !== undefined) return unauthenticated(found.refused);
          checked.add(contextValue);
        },
      };
    },
  };
}

/**
 * Fail closed when a team forgets the plugin: every root field (`_service` and `_entities` included)
 * refuses a request whose transaction token was never checked against its body.
 */
export function requireCheckedTransactions(schema: GraphQLSchema, checked: WeakSet<object>): GraphQLSchema {
  const guard = (resolver: GraphQLFieldResolver<unknown, unknown> | undefined): GraphQLFieldResolver<unknown, unknown> => {
    const resolve = resolver ?? defaultFieldResolver;
    return (source, args, context, info) => {
      if (!checked.has(context as object)) return unauthenticated('the transaction token was not checked: add createStepUpSubgraph().plugin to the server');
      return resolve(source, args, context, info);
    };
  };
  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD](fieldConfig) {
      return {
        ...fieldConfig,
        resolve: guard(fieldConfig.resolve),
        ...(fieldConfig.subscribe === undefined ? {} : { subscribe: guard(fieldConfig.subscribe) }),
      };
    },
  });
}
