import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import type { JWTVerifyGetKey } from 'jose';
import type { Principal } from '../auth/principal.js';
import { createRevocations } from '../auth/revocations.js';
import { discoverKeys } from '../auth/discoverKeys.js';
import { createTokenVerifier, tokenTimeBounds } from '../auth/verifyToken.js';
import type { GraphRequest } from '../gateway/graph.js';
import { authenticate, type RequestHeaders } from '../auth/authenticate.js';
import { createMemoryState } from '../state/store.js';
import { createLadder, type LevelDefinition } from '../stepup/ladder.js';
import { createStepUpState, DEFAULT_CAN_REAUTHENTICATE_CLAIM, type StepUpContext } from './context.js';
import { gatewayError } from './errors.js';
import { applyStepUpGuards } from './guard.js';
import { makeStepUpSchema } from './stepUpSchema.js';
import { createOnceLedger } from './once.js';
import { buildPolicyTable, type PolicyTable } from './policyTable.js';
import { stepUpPlugin } from './plugin.js';

export interface StepUpOptions<TContext extends object = object> {
  /** Your SDL, with `@isAuthenticated` where fields need it; the directive and `ACRValue` are added. */
  readonly typeDefs: string;
  readonly resolvers?: IResolvers | readonly IResolvers[];
  /** The OpenID Provider whose access tokens are accepted: the tokens' exact `iss`. Keys come from its discovery document. */
  readonly issuer: string;
  /** A value the tokens' `aud` must contain. */
  readonly audience: string;
  /** Levels, weakest first. Default LOW/MEDIUM/HIGH (InCommon bronze/silver/gold, 12 h and 300 s max age for the upper two). */
  readonly ladder?: readonly LevelDefinition[];
  /** Seconds of clock skew tolerated on `exp`, `nbf`, `iat`, `auth_time`. Default 60. */
  readonly clockTolerance?: number;
  /** Seconds an access token may live at most. Default 86 400. */
  readonly maxTokenLifetime?: number;
  /** The `realm` of `WWW-Authenticate` challenges. None by default. */
  readonly realm?: string;
  /** Where signing keys come from instead of discovery (a local JWKS, say). */
  readonly keys?: JWTVerifyGetKey;
  /** Seconds since the epoch, for every time check. Default: the system clock. */
  readonly clock?: () => number;
  /** The claim that says a user cannot step up. Default Authgear's `https://authgear.com/claims/user/can_reauthenticate`. */
  readonly canReauthenticateClaim?: string;
  /** Your own per-request context, merged with `{ stepUp, principal }`. */
  readonly context?: (request: GraphRequest) => TContext | Promise<TContext>;
}

/** The context every resolver sees: the step-up state, the verified caller, and yours. */
export type StepUpRequestContext<TContext extends object = object> = TContext & StepUpContext & { readonly principal: Principal | undefined };

/** What Apollo Server needs: `new ApolloServer({ schema, plugins: [plugin] })` and `context` for the integration. */
export interface StepUp<TContext extends object = object> {
  /** Your schema with the resolve-time guards on every protected field and abstract type. */
  readonly schema: GraphQLSchema;
  /** The pre-execution check (mutations refused whole) and the RFC 9470 `WWW-Authenticate` header. */
  readonly plugin: ApolloServerPlugin<StepUpRequestContext<TContext>>;
  /** The policy table read from your schema, for reports. */
  readonly policy: PolicyTable;
  /**
   * The request's context from its headers: `{ req }` as `startStandaloneServer` and `expressMiddleware`
   * give it, or `{ req: { headers } }` from any other integration. An invalid token rejects with a
   * `GraphQLError` that Apollo Server answers with 401 and `WWW-Authenticate: Bearer error="invalid_token"`.
   */
  context(args: { readonly req: RequestHeaders & { readonly url?: string | undefined } }): Promise<StepUpRequestContext<TContext>>;
}

/**
 * One call for a team's own Apollo Server: the ladder, the `ACRValue` scalar, the policy table, the
 * guards, the plugin, the token verifier and the context, assembled. Each of these stays exported on
 * its own for those who assemble them differently. One-time step-ups (`once: true`) are remembered in
 * this process's memory; the gateway (`startGateway`) shares them through Redis across replicas.
 */
export async function createStepUp<TContext extends object = object>(options: StepUpOptions<TContext>): Promise<StepUp<TContext>> {
  const { issuer, audience } = options;
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) throw new TypeError('"issuer" must be the URL of the OpenID Provider');
  if (typeof audience !== 'string' || audience === '') throw new TypeError('"audience" must be a non-empty string');
  const ladder = createLadder(options.ladder);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const executable = makeStepUpSchema(options, ladder);
  const policy = buildPolicyTable(executable, ladder);
  const bounds = tokenTimeBounds(options);
  const verifier = createTokenVerifier({ issuer, audience, keys: options.keys ?? discoverKeys(issuer), ...bounds, clock });
  const state = createMemoryState();
  const revocations = createRevocations(state, bounds);
  const ledger = createOnceLedger(state);
  const canReauthenticateClaim = options.canReauthenticateClaim ?? DEFAULT_CAN_REAUTHENTICATE_CLAIM;

  return {
    schema: applyStepUpGuards(executable, policy),
    plugin: stepUpPlugin(policy, { realm: options.realm }),
    policy,
    async context({ req }) {
      const query = req.url?.indexOf('?') ?? -1;
      const authentication = await authenticate(req, query < 0 ? '' : req.url!.slice(query), verifier, revocations, options.realm);
      if (authentication.kind === 'refused') {
        const headers = new HeaderMap(Object.entries(authentication.headers));
        throw gatewayError(authentication.code, authentication.message, { http: { status: authentication.status, headers } });
      }
      const { caller } = authentication;
      const principal = caller.kind === 'principal' ? caller.principal : undefined;
      const stepUp = createStepUpState(caller, clock(), { ledger, canReauthenticateClaim });
      const own = options.context === undefined ? ({} as TContext) : await options.context({ principal, stepUp });
      return { ...own, stepUp, principal };
    },
  };
}
