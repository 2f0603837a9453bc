/**
 * `step-up-gateway/subgraph`: what a team's subgraph behind the gateway needs. It publishes its policy
 * (`stepUpSubgraphTypeDefs()` at the top of its SDL), accepts only requests that came through the
 * gateway (`createStepUpSubgraph` verifies the gateway's signed identity on every request), and can
 * enforce the same directives again with that identity, as a second layer.
 */
import { HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { BoundedCache } from './auth/boundedCache.js';
import type { Principal } from './auth/principal.js';
import { createStepUpState, DEFAULT_CAN_REAUTHENTICATE_CLAIM, type StepUpContext } from './graphql/context.js';
import { gatewayError } from './graphql/errors.js';
import { applyStepUpGuards } from './graphql/guard.js';
import { buildPolicyTable, type PolicyTable } from './graphql/policyTable.js';
import { IDENTITY_HEADER, IDENTITY_TYPE, type IdentityClaims, type PassedRequirement } from './federation/identity.js';
import { createLadder, type LevelDefinition } from './stepup/ladder.js';

export { stepUpSubgraphTypeDefs, STEP_UP_SPEC_URL, FEDERATION_SPEC_URL } from './federation/spec.js';
export { IDENTITY_HEADER, IDENTITY_JWKS_PATH, IDENTITY_TYPE } from './federation/identity.js';
export type { IdentityClaims, PassedRequirement } from './federation/identity.js';

/** A verified identity: the caller as the gateway saw it, for this subgraph, for this request. */
export interface GatewayIdentity extends IdentityClaims {
  readonly iss: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
}

export interface GatewayIdentityOptions {
  /** The gateway's `iss` (its `subgraphIdentity.issuer`). */
  readonly issuer: string;
  /** This subgraph's name in the supergraph: the identity's `aud`. */
  readonly audience: string;
  /** The gateway's JWKS, e.g. `https://gateway.internal/.well-known/gateway-jwks.json`; or `keys`. */
  readonly jwksUrl?: string | URL;
  /** Keys to verify with instead of fetching `jwksUrl` (a JWKS object, or jose's key getter). */
  readonly keys?: JWTVerifyGetKey | { readonly keys: readonly object[] };
  /** Seconds since the epoch. Default: the system clock. */
  readonly clock?: () => number;
  /** Seconds of clock skew tolerated. Default 30. */
  readonly clockTolerance?: number;
}

/** Verifies the gateway's identity header; anything else is refused with 401 UNAUTHENTICATED. */
export function createGatewayIdentityVerifier(options: GatewayIdentityOptions): (headers: Readonly<Record<string, string | string[] | undefined>>) => Promise<GatewayIdentity> {
  const keys: JWTVerifyGetKey =
    typeof options.keys === 'function'
      ? options.keys
      : options.keys !== undefined
        ? createLocalJWKSet(options.keys as never)
        : options.jwksUrl !== undefined
          ? createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 })
          : (() => {
              throw new TypeError('createGatewayIdentityVerifier needs "jwksUrl" or "keys"');
            })();
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  // The gateway reuses an identity for its caller's repeated operations: verified once, kept until its `exp`.
  const verified = new BoundedCache<string, GatewayIdentity>(10_000);
  return async (headers) => {
    const header = headers[IDENTITY_HEADER];
    const refuse = (why: string): never => {
      throw gatewayError('UNAUTHENTICATED', `This service answers the gateway only: ${why}`, { http: { status: 401, headers: new HeaderMap() } });
    };
    if (typeof header !== 'string' || header === '') return refuse(`no ${IDENTITY_HEADER} header`);
    const now = clock();
    const known = verified.get(header, now);
    if (known !== undefined) return known;
    try {
      const { payload } = await jwtVerify(header, keys, {
        issuer: options.issuer,
        audience: options.audience,
        typ: IDENTITY_TYPE,
        algorithms: ['EdDSA'],
        requiredClaims: ['iat', 'exp'],
        currentDate: new Date(now * 1000),
        clockTolerance: options.clockTolerance ?? 30,
      });
      if (!Array.isArray(payload['passed'])) return refuse('the identity has no "passed" claim');
      const identity = payload as unknown as GatewayIdentity;
      verified.set(header, identity, identity.exp);
      return identity;
    } catch (error) {
      if (error instanceof errors.JOSEError) return refuse(`the ${IDENTITY_HEADER} is not valid (${error.code})`);
      throw error;
    }
  };
}

/** The caller an identity names, as the step-up engine reads a principal. */
export function principalOf(identity: GatewayIdentity): Principal | undefined {
  if (identity.sub === undefined) return undefined;
  return {
    subject: identity.sub,
    acr: identity.acr,
    authTime: identity.auth_time,
    clientId: identity.client_id,
    sessionId: identity.sid,
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
}

export type StepUpSubgraphContext<TContext extends object = object> = TContext & StepUpContext & { readonly identity: GatewayIdentity; readonly principal: Principal | undefined };

/**
 * A subgraph's schema and context function: every request must carry the gateway's identity for this
 * subgraph, and the schema's own `@isAuthenticated` directives are enforced again with it. A one-time
 * step-up the gateway claimed (`passed` with `once`) is honoured, not claimed again.
 */
export function createStepUpSubgraph<TContext extends object = object>(
  options: StepUpSubgraphOptions<TContext>,
): { readonly schema: GraphQLSchema; readonly policy: PolicyTable; context(args: { readonly req: { readonly headers: Readonly<Record<string, string | string[] | undefined>> } }): Promise<StepUpSubgraphContext<TContext>> } {
  const ladder = createLadder(options.ladder);
  const policy = buildPolicyTable(options.schema, ladder);
  const verify = createGatewayIdentityVerifier(options);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  return {
    schema: applyStepUpGuards(options.schema, policy),
    policy,
    async context({ req }) {
      const identity = await verify(req.headers);
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
      const own = options.context === undefined ? ({} as TContext) : await options.context({ identity, principal });
      return { ...own, identity, principal, stepUp };
    },
  };
}
