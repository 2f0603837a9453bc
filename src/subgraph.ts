/**
 * `step-up-gateway/subgraph`: what a team's subgraph behind the gateway needs. It publishes its policy
 * (`stepUpSubgraphTypeDefs()` at the top of its SDL), accepts only requests that came through the
 * gateway (`createStepUpSubgraph` verifies the gateway's signed identity on every request), and can
 * enforce the same directives again with that identity, as a second layer.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { gatewayError } from './graphql/errors.js';
import { createLocalJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Principal } from './auth/principal.js';
import { createStepUpState, DEFAULT_CAN_REAUTHENTICATE_CLAIM, type StepUpContext } from './graphql/context.js';
import { applyStepUpGuards } from './graphql/guard.js';
import { buildPolicyTable, type PolicyTable } from './graphql/policyTable.js';
import { createGatewayJwks } from './federation/gatewayJwks.js';
import {
  IDENTITY_HEADER,
  IDENTITY_TYPE,
  LEGACY_IDENTITY_HEADER,
  LEGACY_IDENTITY_TYPE,
  type IdentityClaims,
  type PassedRequirement,
  type TransactionContext,
} from './federation/identity.js';
import { checkTransaction, requireCheckedTransactions, transactionPlugin, unauthenticated, type VerifiedTransaction } from './federation/txnCheck.js';
import { createMemoryTransactionStore, type TransactionStore } from './federation/txnReplay.js';
import { createLadder, type LevelDefinition } from './stepup/ladder.js';
import type { AuthorizationDetail } from './stepup/approval.js';

export { stepUpSubgraphTypeDefs, STEP_UP_SPEC_URL, FEDERATION_SPEC_URL } from './federation/spec.js';
export {
  IDENTITY_HEADER,
  IDENTITY_JWKS_PATH,
  IDENTITY_TYPE,
  LEGACY_IDENTITY_HEADER,
  LEGACY_IDENTITY_TYPE,
  TXN_TOKEN_HEADER,
  TXN_TOKEN_TYPE,
  requestDigest,
} from './federation/identity.js';
export type { IdentityClaims, PassedRequirement, SubgraphRequest, TransactionContext } from './federation/identity.js';
export { createMemoryTransactionStore, type TransactionStore } from './federation/txnReplay.js';

/**
 * A verified transaction token: the caller as the gateway saw it, for this subgraph, for this one request.
 * The transaction context (`tctx`) is spread at the top level too, so `identity.level` and
 * `identity.passed` read as they did before transaction tokens.
 */
export interface GatewayIdentity extends IdentityClaims {
  readonly iss: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  /** This subgraph request's unique id (also `jti`); absent only on a legacy identity (`acceptLegacyIdentity`). */
  readonly txn?: string;
  readonly jti?: string;
  /** base64url SHA-256 of the request the gateway sent with it (see `requestDigest`). */
  readonly req_digest?: string;
  /** The immutable transaction context, as signed. */
  readonly tctx?: TransactionContext;
}

export interface GatewayIdentityOptions {
  /** The gateway's `iss` (its `subgraphIdentity.issuer`). */
  readonly issuer: string;
  /** This subgraph's name in the supergraph: the identity's `aud`. */
  readonly audience: string;
  /**
   * The gateway's JWKS, e.g. `https://gateway.internal/.well-known/gateway-jwks.json`; or `keys`. Fetched
   * again at once when a token names a key it does not hold (bounded: see `createGatewayJwks`).
   */
  readonly jwksUrl?: string | URL;
  /** Keys to verify with instead of fetching `jwksUrl` (a JWKS object, or jose's key getter). */
  readonly keys?: JWTVerifyGetKey | { readonly keys: readonly object[] };
  /** Seconds since the epoch. Default: the system clock. */
  readonly clock?: () => number;
  /** Seconds of clock skew tolerated. Default 30. */
  readonly clockTolerance?: number;
  /**
   * Deprecated, for one release: also accept the identities of gateways before transaction tokens
   * (`typ: step-up-identity+jwt`, no `txn`, no digest), which can be replayed within their minute. For a
   * subgraph upgraded before its gateway, or a gateway that cannot sign per request. Default false.
   */
  readonly acceptLegacyIdentity?: boolean;
}

/**
 * Verifies the transaction token of a request (the `Txn-Token` header; the deprecated `gateway-identity`
 * header when that is absent): signature, `typ`, `iss`, `aud`, `exp`. Anything else is refused with 401
 * UNAUTHENTICATED. That it names this very request and is used once is the plugin's check
 * (`createStepUpSubgraph().plugin`), which sees the body.
 */
export function createGatewayIdentityVerifier(
  options: GatewayIdentityOptions,
): (headers: Readonly<Record<string, string | string[] | undefined>>) => Promise<GatewayIdentity> {
  const keys: JWTVerifyGetKey =
    typeof options.keys === 'function'
      ? options.keys
      : options.keys !== undefined
        ? createLocalJWKSet(options.keys as never)
        : options.jwksUrl !== undefined
          ? createGatewayJwks(new URL(options.jwksUrl))
          : (() => {
              throw new TypeError('createGatewayIdentityVerifier needs "jwksUrl" or "keys"');
            })();
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const types = options.acceptLegacyIdentity === true ? [IDENTITY_TYPE, LEGACY_IDENTITY_TYPE] : [IDENTITY_TYPE];
  return async (headers) => {
    const header = headers[IDENTITY_HEADER] ?? headers[LEGACY_IDENTITY_HEADER];
    if (typeof header !== 'string' || header === '') return unauthenticated(`no ${IDENTITY_HEADER} header`);
    let payload: Record<string, unknown>;
    let typ: unknown;
    try {
      ({
        payload,
        protectedHeader: { typ },
      } = await jwtVerify(header, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['EdDSA'],
        requiredClaims: ['iat', 'exp'],
        currentDate: new Date(clock() * 1000),
        clockTolerance: options.clockTolerance ?? 30,
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) return unauthenticated(`the ${IDENTITY_HEADER} is not valid (${error.code})`);
      throw error;
    }
    // RFC 8725 §3.11: only the gateway's identity types, compared exactly.
    if (!types.includes(typ as string)) return unauthenticated(`the ${IDENTITY_HEADER} is not a transaction token (typ ${String(typ)})`);
    if (typ === LEGACY_IDENTITY_TYPE) {
      if (!Array.isArray(payload['passed'])) return unauthenticated('the identity has no "passed" claim');
      return payload as unknown as GatewayIdentity;
    }
    const { txn, req_digest, tctx } = payload;
    if (typeof txn !== 'string' || txn === '') return unauthenticated('the transaction token has no "txn"');
    if (typeof req_digest !== 'string') return unauthenticated('the transaction token has no "req_digest"');
    if (tctx === null || typeof tctx !== 'object' || !Array.isArray((tctx as { passed?: unknown }).passed))
      return unauthenticated('the transaction token has no "tctx" with "passed"');
    // Signed claims win over the context's: `tctx` cannot carry a different `sub`, `aud` or `exp`.
    return { ...(tctx as TransactionContext), ...payload } as unknown as GatewayIdentity;
  };
}

/** The caller an identity names (`sub`), with what its transaction context says of them, as the step-up engine reads a principal. */
export function principalOf(identity: GatewayIdentity): Principal | undefined {
  if (identity.sub === undefined) return undefined;
  const context: TransactionContext = identity.tctx ?? identity;
  return {
    subject: identity.sub,
    acr: context.acr,
    authTime: context.auth_time,
    clientId: context.client_id,
    sessionId: context.sid,
    expiresAt: identity.exp,
    claims: identity as unknown as Principal['claims'],
  };
}

export interface StepUpSubgraphOptions<TContext extends object> extends GatewayIdentityOptions {
  /** The subgraph's executable schema (from `buildSubgraphSchema`, say), with `@isAuthenticated` where it wants it. */
  readonly schema: GraphQLSchema;
  /** The gateway's ladder. Default LOW/MEDIUM/HIGH. */
  readonly ladder?: readonly LevelDefinition[];
  /** Your own per-request context, merged with `{ identity, principal, stepUp }`. */
  readonly context?: (request: { readonly identity: GatewayIdentity; readonly principal: Principal | undefined }) => TContext | Promise<TContext>;
  /**
   * Where accepted transactions are remembered, so that each is accepted once. Default: this process's
   * memory (`createMemoryTransactionStore()`). Several replicas of one subgraph must share one, e.g. the
   * gateway's Redis state (`SharedState` of src/state/store.ts has this `claim`).
   */
  readonly transactions?: TransactionStore;
}

export type StepUpSubgraphContext<TContext extends object = object> = TContext &
  StepUpContext & { readonly identity: GatewayIdentity; readonly principal: Principal | undefined };

/**
 * A subgraph's schema, context function and Apollo Server plugin: every request must carry the gateway's
 * transaction token for this subgraph and this very request, used once, and the schema's own
 * `@isAuthenticated` directives are enforced again with it. A one-time step-up the gateway claimed
 * (`passed` with `once`) is honoured, not claimed again. Install all three: without `plugin`, every root
 * field refuses (the token was never checked against the body).
 */
export function createStepUpSubgraph<TContext extends object = object>(
  options: StepUpSubgraphOptions<TContext>,
): {
  readonly schema: GraphQLSchema;
  readonly policy: PolicyTable;
  readonly plugin: ApolloServerPlugin;
  context(args: { readonly req: { readonly headers: Readonly<Record<string, string | string[] | undefined>> } }): Promise<StepUpSubgraphContext<TContext>>;
  /**
   * Subscriptions from the gateway over GraphQL over WebSocket: graphql-ws server options, for
   * `useServer(stepUp.websocket, new WebSocketServer({ server, path }))` on the subgraph's HTTP server. The
   * transaction token comes in `connection_init` and must name the one `subscribe` that follows, once.
   */
  readonly websocket: ServerOptions;
} {
  const ladder = createLadder(options.ladder);
  const policy = buildPolicyTable(options.schema, ladder);
  const verify = createGatewayIdentityVerifier(options);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const pending = new WeakMap<object, VerifiedTransaction>();
  const checked = new WeakSet<object>();
  const transactions = options.transactions ?? createMemoryTransactionStore();
  const clockTolerance = options.clockTolerance ?? 30;
  const schema = requireCheckedTransactions(applyStepUpGuards(options.schema, policy), checked);
  /** Sockets whose `connection_init` carried a valid transaction token, until their one subscription. */
  const sockets = new WeakMap<object, GatewayIdentity>();
  return {
    schema,
    policy,
    plugin: transactionPlugin({ pending, checked, store: transactions, clock, clockTolerance }),
    context: async ({ req }) => {
      const identity = await verify(req.headers);
      const context = await contextOf(identity);
      pending.set(identity, { aud: identity.aud, exp: identity.exp, txn: identity.txn, req_digest: identity.req_digest });
      return context;
    },
    websocket: {
      connectionInitWaitTimeout: 3_000,
      // The gateway's transaction token comes in `connection_init`: a socket without a valid one is closed (4403).
      async onConnect(ctx) {
        const token = ctx.connectionParams?.[IDENTITY_HEADER];
        try {
          sockets.set(ctx, await verify({ [IDENTITY_HEADER]: typeof token === 'string' ? token : undefined }));
          return true;
        } catch {
          return false;
        }
      },
      // It names this very subscribe message and is used once, as over HTTP; one socket, one subscription. A
      // legacy identity (acceptLegacyIdentity) names no request and is not used up: as over HTTP, it carries
      // any number of them, so that a gateway that multiplexes subscriptions on one socket works.
      async onSubscribe(ctx, _id, payload) {
        const identity = sockets.get(ctx);
        if (identity?.txn !== undefined) sockets.delete(ctx);
        const refuse = (why: string) => [gatewayError('UNAUTHENTICATED', `This service answers the gateway only: ${why}`)];
        if (identity === undefined) return refuse('no transaction token was verified for this subscription');
        if (identity.exp + clockTolerance < clock()) return refuse('the identity this socket was opened with has expired');
        const found = await checkTransaction(identity, payload, { store: transactions, clock, clockTolerance });
        if (found !== undefined && 'unavailable' in found) return [gatewayError('SERVICE_UNAVAILABLE', 'Transaction tokens cannot be checked right now')];
        if (found !== undefined) return refuse(found.refused);
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const invalid = validate(schema, document);
        if (invalid.length > 0) return invalid;
        const contextValue = await contextOf(identity);
        checked.add(contextValue);
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
    },
  };

  async function contextOf(identity: GatewayIdentity): Promise<StepUpSubgraphContext<TContext>> {
    const named = principalOf(identity);
    // The gateway's ladder decides what the token's acr reaches (`level`); this subgraph's ladder only
    // needs the same level names: its first acr string of that level stands for the token's.
    const level = identity.level === undefined ? undefined : ladder.byName.get(identity.level);
    const principal = named === undefined || level === undefined ? named : { ...named, acr: level.acrs[0] };
    const stepUp = createStepUpState(principal === undefined ? { kind: 'anonymous' } : { kind: 'principal', principal }, clock(), {
      canReauthenticateClaim: DEFAULT_CAN_REAUTHENTICATE_CLAIM,
    });
    for (const passed of identity.passed as readonly PassedRequirement[]) {
      if (passed.once === true) stepUp.preclaimed.set(passed.coordinate, (stepUp.preclaimed.get(passed.coordinate) ?? 0) + 1);
    }
    // The approvals the gateway consumed for this operation: each lets one bound call through this subgraph's guard.
    const approved = (identity as { authorization_details?: unknown }).authorization_details;
    if (Array.isArray(approved)) stepUp.approved = approved.filter(isApproval);
    const own = options.context === undefined ? ({} as TContext) : await options.context({ identity, principal });
    return { ...own, identity, principal, stepUp } as StepUpSubgraphContext<TContext>;
  }
}

function isApproval(value: unknown): value is AuthorizationDetail {
  if (value === null || typeof value !== 'object') return false;
  const { type, coordinate, arguments: args } = value as Record<string, unknown>;
  return typeof type === 'string' && typeof coordinate === 'string' && args !== null && typeof args === 'object' && !Array.isArray(args);
}
