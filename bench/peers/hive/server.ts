/**
 * (G1) Hive Gateway (`@graphql-hive/gateway-runtime` 2.12 from `@graphql-hive/gateway` 2.15.1, installed
 * here for the benchmark only) over the bench's supergraph file, served by `node:http`, with JWT and
 * generic-auth (`genericAuth`, @envelop/generic-auth 11, mode protect-granular, `@isAuthenticated` as the
 * auth directive) enforcing the equivalent policy: Query.viewer needs a token, User.email MEDIUM (acr
 * silver or gold within 43 200 s), PaymentMethod HIGH (gold within 300 s). Refused fields are removed
 * before execution and reported; the rest executes.
 * JWT: BENCH_HIVE_JWT=cached (default) verifies the bearer ES256 token with jose against the bench issuer's
 * local JWKS and caches each verified token until its exp (LRU, 10 000), the same cache as the other
 * servers (bench/auth.ts); BENCH_HIVE_JWT=plugin uses Hive's own `useJWT` (jsonwebtoken, no cache: every
 * request verifies its token).
 * Each subgraph request carries a static identity (alice, level HIGH) from `transportEntries` headers, and
 * in-flight deduplication is off (`deduplicateInflightRequests: false`).
 * Subscriptions (bench/subscriptions.ts): GraphQL over WebSocket on /graphql (graphql-ws `useServer` with Hive's
 * `getGraphQLWSOptions`, the token in `connectionParams.authorization`), and to the repositories subgraph over
 * WebSocket with the static identity in `connectionParams["txn-token"]` (Hive multiplexes them on one socket).
 * Usage: BENCH_SUPERGRAPH=… BENCH_IDENTITIES=… BENCH_KEYS_FILE=… node --import tsx bench/peers/hive/server.ts [port]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, createInlineSigningKeyProvider, getGraphQLWSOptions, useJWT } from '@graphql-hive/gateway';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { GraphQLError, type FieldNode } from 'graphql';
import { createLocalJWKSet, errors, jwtVerify, importJWK, exportSPKI, type JWTPayload, type KeyLike } from 'jose';
import { benchJwks, HOST, portFromArgs, reportCpuOnSignal, staticIdentities, supergraphSdl } from '../common.js';

const ISSUER = 'https://issuer.bench.local';
const AUDIENCE = 'guthib-api';
const MODE = process.env['BENCH_HIVE_JWT'] ?? 'cached';

interface Principal { readonly subject: string; readonly acr?: string; readonly authTime?: number }

/** bench/guthib.ts LADDER: the product's default ladder. */
const LADDER = [
  { name: 'LOW', acr: 'urn:mace:incommon:iap:bronze', rank: 0, maxAge: undefined },
  { name: 'MEDIUM', acr: 'urn:mace:incommon:iap:silver', rank: 1, maxAge: 43_200 },
  { name: 'HIGH', acr: 'urn:mace:incommon:iap:gold', rank: 2, maxAge: 300 },
] as const;
const BY_NAME = new Map<string, (typeof LADDER)[number]>(LADDER.map((l) => [l.name, l]));
const BY_ACR = new Map<string, (typeof LADDER)[number]>(LADDER.map((l) => [l.acr, l]));

function refusal(user: Principal | null, args: { acrValue?: string; maxAge?: number } | undefined, now: number): GraphQLError | undefined {
  if (args === undefined) return undefined;
  if (user === null) return new GraphQLError('Authentication is required', { extensions: { code: 'UNAUTHENTICATED' } });
  const level = args.acrValue === undefined ? undefined : BY_NAME.get(args.acrValue);
  const maxAge = args.maxAge ?? level?.maxAge;
  const reached = user.acr === undefined ? undefined : BY_ACR.get(user.acr);
  const levelOk = level === undefined || (reached !== undefined && reached.rank >= level.rank);
  const ageOk = maxAge === undefined || (user.authTime !== undefined && now - user.authTime <= maxAge);
  if (levelOk && ageOk) return undefined;
  return new GraphQLError(`Authentication at level ${args.acrValue ?? 'any level'}${maxAge === undefined ? '' : ` within the last ${maxAge} seconds`} is required`, {
    extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: args.acrValue, ...(maxAge === undefined ? {} : { maxAge }) },
  });
}

const principalOf = (payload: JWTPayload): Principal => ({
  subject: payload.sub!,
  ...(typeof payload['acr'] === 'string' ? { acr: payload['acr'] } : {}),
  ...(typeof payload['auth_time'] === 'number' ? { authTime: payload['auth_time'] } : {}),
});

/** bench/auth.ts: verified tokens cached until exp, LRU of 10 000. */
const jwks = createLocalJWKSet(benchJwks() as never);
const cache = new Map<string, { principal: Principal; exp: number }>();
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
async function verifyCached(authorization: string | null): Promise<Principal | null> {
  if (authorization === null) return null;
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) throw new GraphQLError('Malformed Authorization header', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
  const now = Math.floor(Date.now() / 1000);
  const hit = cache.get(token);
  if (hit !== undefined) {
    cache.delete(token);
    if (hit.exp > now) {
      cache.set(token, hit);
      return hit.principal;
    }
  }
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], requiredClaims: ['exp', 'sub'], clockTolerance: 60,
    });
    if (!['at+jwt', 'jwt'].includes(String(protectedHeader.typ).toLowerCase())) throw new errors.JWTInvalid('typ');
    const principal = principalOf(payload);
    if (cache.size >= 10_000) cache.delete(cache.keys().next().value!);
    cache.set(token, { principal, exp: payload.exp! });
    return principal;
  } catch {
    throw new GraphQLError('The access token is not valid', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}

const identities = staticIdentities();
const publicPem = MODE === 'plugin' ? await exportSPKI((await importJWK(benchJwks().keys[0] as never, 'ES256')) as KeyLike) : '';

const gateway = createGatewayRuntime({
  supergraph: supergraphSdl(),
  logging: false,
  landingPage: false,
  graphiql: false,
  transportEntries: Object.fromEntries(
    Object.entries(identities).map(([name, identity]) => [
      name,
      {
        headers: [['gateway-identity', identity]],
        options: { deduplicateInflightRequests: false, subscriptions: { kind: 'ws', options: { connectionParams: { 'txn-token': identity } } } },
      },
    ]),
  ) as never,
  plugins:
    MODE === 'plugin'
      ? () => [
          useJWT({
            signingKeyProviders: [createInlineSigningKeyProvider(publicPem)],
            tokenVerification: { algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE },
            reject: { missingToken: false, invalidToken: true },
          }) as never,
        ]
      : undefined,
  genericAuth: {
    mode: 'protect-granular',
    authDirectiveName: 'isAuthenticated',
    rejectUnauthenticated: false,
    resolveUserFn: (context: { request: Request; jwt?: { payload: JWTPayload } }) =>
      MODE === 'plugin' ? (context.jwt === undefined ? null : principalOf(context.jwt.payload)) : verifyCached(context.request.headers.get('authorization')),
    validateUser: ({ user, fieldAuthArgs, typeAuthArgs, fieldNode, path }: {
      user: Principal | null; fieldAuthArgs?: { acrValue?: string; maxAge?: number }; typeAuthArgs?: { acrValue?: string; maxAge?: number };
      fieldNode: FieldNode; path: ReadonlyArray<string | number>;
    }) => {
      const now = Math.floor(Date.now() / 1000);
      const error = refusal(user, fieldAuthArgs, now) ?? refusal(user, typeAuthArgs, now);
      // generic-auth 11.2.1 puts its list marker '@' in the path (see bench/yoga-generic-auth.ts).
      return error === undefined ? undefined : new GraphQLError(error.message, { nodes: [fieldNode], path: path.filter((p) => p !== '@'), extensions: error.extensions });
    },
  } as never,
});

const httpServer = createServer({ maxHeaderSize: 16_384 }, gateway);
// Over WebSocket the bearer token comes in connectionParams: resolveUserFn reads it from this request's headers.
useServer(
  getGraphQLWSOptions(gateway as never, (ctx: { connectionParams?: Readonly<Record<string, unknown>> }) => {
    const authorization = ctx.connectionParams?.['authorization'];
    return { request: new Request('http://gateway/graphql', { headers: typeof authorization === 'string' ? { authorization } : {} }) };
  }),
  new WebSocketServer({ server: httpServer, path: '/graphql' }),
);
await new Promise<void>((done) => httpServer.listen(portFromArgs(), HOST, done));
reportCpuOnSignal();
console.log(`READY http://${HOST}:${(httpServer.address() as AddressInfo).port}/graphql`);
