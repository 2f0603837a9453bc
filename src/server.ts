import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLFormattedError } from 'graphql';
import type { JWTVerifyGetKey } from 'jose';
import { readBearerToken } from './auth/bearer.js';
import { discoverKeys } from './auth/discoverKeys.js';
import { randomBytes } from 'node:crypto';
import { loadDevKey, type DevKey } from './auth/devIssuer.js';
import { createIntrospector, eitherTokenFormat } from './auth/introspectToken.js';
import { verifyLogoutToken } from './auth/logoutToken.js';
import { createRevocations } from './auth/revocations.js';
import { createOnceLedger } from './graphql/once.js';
import { createDevProvider, type DevProvider } from './idp/devProvider.js';
import { sendDemoApp } from './idp/demoApp.js';
import { createRedisState } from './state/redisState.js';
import { createMemoryState } from './state/store.js';
import { ANONYMOUS, type TokenOutcome } from './auth/principal.js';
import { createTokenVerifier, type TokenVerifier } from './auth/verifyToken.js';
import type { Config } from './config.js';
import type { GutHibContext } from './domain/context.js';
import { createInMemorySource } from './domain/inMemorySource.js';
import { createLoaders } from './domain/loaders.js';
import { resolvers } from './domain/resolvers.js';
import type { GutHibSource } from './domain/source.js';
import { createACRValueScalar } from './graphql/acrScalar.js';
import { createStepUpState } from './graphql/context.js';
import { gatewayError, type ErrorCode } from './graphql/errors.js';
import { applyStepUpGuards } from './graphql/guard.js';
import { readSchemaFolder } from './graphql/loadSchema.js';
import { buildPolicyTable, type PolicyTable } from './graphql/policyTable.js';
import { stepUpPlugin } from './graphql/plugin.js';
import { loadManifest } from './persisted/manifest.js';
import { resolvePersisted, type TrustedDocumentsPolicy } from './persisted/trustedDocuments.js';
import { createRedisCache } from './persisted/redisCache.js';
import { lintPolicy } from './review/lint.js';
import { maxAliasesRule } from './graphql/limits/maxAliasesRule.js';
import { maxDepthRule } from './graphql/limits/maxDepthRule.js';
import { maxSelectionsRule } from './graphql/limits/maxSelectionsRule.js';
import { bearerChallenge, invalidTokenChallenge } from './stepup/challenge.js';
import { createLadder } from './stepup/ladder.js';

export interface GatewayOptions {
  /** The example graph's data. Default: a fresh in-memory copy of the seed. */
  readonly source?: GutHibSource;
  /** The current time in seconds since the epoch, for every check. Default: the system clock. */
  readonly clock?: () => number;
  /** Where start-up warnings (policy lint) go. Default: `console.warn`. */
  readonly warn?: (message: string) => void;
  /** Where signing keys come from. Default: the JWKS found by discovery of OIDC_ISSUER (the dev key in dev mode). */
  readonly keys?: JWTVerifyGetKey;
}

export interface Gateway {
  /** Where GraphQL is served, e.g. `http://localhost:4000/graphql`. */
  readonly url: string;
  /** The issuer whose tokens are accepted (the gateway itself in dev mode). */
  readonly issuer: string;
  /** Present in dev mode: the dev issuer's signing key, for minting tokens. */
  readonly devKey: DevKey | undefined;
  /** Present in dev mode: the embedded OpenID Provider. */
  readonly devProvider: DevProvider | undefined;
  readonly policy: PolicyTable;
  /** Stops accepting requests, lets those in flight finish, and closes. */
  close(): Promise<void>;
}

const systemClock = (): number => Math.floor(Date.now() / 1000);
/** RFC 8707 wants an absolute URI for the resource indicator; the tokens' `aud` is still OIDC_AUDIENCE. */
export const DEV_RESOURCE = 'urn:guthib:api';

/**
 * Builds the gateway from its configuration and starts listening. Programmer mistakes (a schema
 * naming an unknown level, a bad ladder) throw here, before any port is opened.
 */
export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const clock = options.clock ?? systemClock;
  const source = options.source ?? createInMemorySource();
  const ladder = createLadder(config.ladder);
  const schema = makeExecutableSchema({
    typeDefs: readSchemaFolder(config.schemaDir),
    resolvers: [resolvers, { ACRValue: createACRValueScalar(ladder) }],
  });
  const policy = buildPolicyTable(schema, ladder);
  const warn = options.warn ?? ((message: string) => console.warn(message));
  for (const finding of lintPolicy(schema, policy)) warn(`policy lint (${finding.rule}): ${finding.message}`);
  const trusted: TrustedDocumentsPolicy = {
    manifest: config.persistedDocuments.manifest === undefined ? undefined : loadManifest(config.persistedDocuments.manifest, schema),
    partnerClients: new Set(config.persistedDocuments.partnerClients),
    requireForAll: config.persistedDocuments.requireForAll,
  };
  const redis = config.redisUrl === undefined ? undefined : createRedisCache(config.redisUrl, { namespace: 'apq', warn });
  // Revocations, one-time step-ups and used logout tokens: shared by every replica through Redis.
  const state = config.redisUrl === undefined ? createMemoryState() : await createRedisState(config.redisUrl, { warn });
  const ledger = createOnceLedger(state);
  const revocations = createRevocations(state, config.maxTokenLifetime);

  const httpServer = createServer({ maxHeaderSize: config.limits.maxHeaderBytes });
  const apollo = new ApolloServer<GutHibContext>({
    schema: applyStepUpGuards(schema, policy),
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // Automatic persisted queries: Apollo's in-memory LRU cache, or Redis shared by every replica.
    persistedQueries: config.apq ? (redis === undefined ? {} : { cache: redis.cache }) : false,
    // Bounds on what one document may ask, refused with 400 before execution (GRAPHQL_PARSE_FAILED
    // past maxTokens, GRAPHQL_VALIDATION_FAILED with extensions.limit for the rest).
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: [
      maxDepthRule(config.limits.maxDepth),
      maxAliasesRule({ perField: config.limits.maxAliasesPerField, total: config.limits.maxAliases }),
      maxSelectionsRule(config.limits.maxSelections),
    ],
    plugins: [
      stepUpPlugin<GutHibContext>(policy, { realm: config.realm }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const devKey = config.issuer === undefined ? await loadDevKey(config.devKeyDir) : undefined;
  await new Promise<void>((done, fail) => {
    httpServer.once('error', fail);
    httpServer.listen(config.port, config.host, () => done());
  });
  // In dev mode the issuer's name holds the port, known only now (PORT=0 picks one). What follows
  // runs before any request event can be delivered, so no request meets a half-built gateway.
  const { port } = httpServer.address() as AddressInfo;
  const issuer = config.issuer ?? devIssuerUrl(port);
  const keys = options.keys ?? devKey?.keys ?? discoverKeys(issuer, { timeoutMs: config.jwksTimeoutMs, cooldownMs: config.jwksCooldownMs });
  // Dev mode serves its own OpenID Provider at this origin, signing with the dev key: tokens from its
  // login pages and from `npm run token` are the same kind of token.
  const devIntrospectionSecret = randomBytes(24).toString('base64url');
  const idp =
    devKey === undefined
      ? undefined
      : await createDevProvider({
          issuer,
          signingJwk: devKey.privateJwk,
          gatewayAudience: config.audience,
          gatewayResource: DEV_RESOURCE,
          accessTokenFormat: config.opaqueTokens ? 'opaque' : 'jwt',
          clients: {
            web: { redirectUris: [`${issuer}/`], postLogoutRedirectUris: [`${issuer}/`], backchannelLogoutUri: `${issuer}/backchannel-logout` },
            gateway: { clientSecret: devIntrospectionSecret },
          },
          log: warn,
        });
  const jwtVerifier = createTokenVerifier({
    issuer,
    audience: config.audience,
    keys,
    clockTolerance: config.clockTolerance,
    cacheSize: config.tokenCacheSize,
    maxTokenBytes: config.limits.maxTokenBytes,
    clock,
  });
  const introspectionClient = config.introspectionClient ?? (idp === undefined ? undefined : { id: 'guthib-gateway', secret: devIntrospectionSecret });
  const verifier = !config.opaqueTokens || introspectionClient === undefined
    ? jwtVerifier
    : eitherTokenFormat(jwtVerifier, createIntrospector({
        issuer,
        audience: config.audience,
        clientId: introspectionClient.id,
        clientSecret: introspectionClient.secret,
        cacheSeconds: config.introspectionCacheSeconds,
        cacheSize: config.tokenCacheSize,
        timeoutMs: config.jwksTimeoutMs,
        clock,
      }));

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    const body = await readBody(req, config.maxBodyBytes);
    if (body.kind === 'refused') return sendErrors(res, body.status, 'BAD_REQUEST', body.message);

    const outcome = await credentialsOf(req, verifier);
    switch (outcome.kind) {
      case 'malformed':
        return sendErrors(res, 400, 'BAD_REQUEST', `The Authorization header is malformed: ${outcome.reason}`, {
          'www-authenticate': bearerChallenge({ realm: config.realm, error: 'invalid_request', error_description: outcome.reason }),
        });
      case 'invalid':
        return sendErrors(res, 401, 'UNAUTHENTICATED', `The access token is not valid: ${outcome.reason}`, {
          'www-authenticate': invalidTokenChallenge(outcome.reason, config.realm),
        });
      case 'unavailable':
        return sendErrors(res, 503, 'AUTH_UNAVAILABLE', 'Access tokens cannot be checked right now; retry shortly', {
          'retry-after': '5',
        });
      case 'principal': {
        let revoked: string | undefined;
        try {
          revoked = await revocations.reasonRevoked(outcome.principal);
        } catch {
          return sendErrors(res, 503, 'SERVICE_UNAVAILABLE', 'Logouts cannot be checked right now; retry shortly', { 'retry-after': '5' });
        }
        if (revoked !== undefined) {
          return sendErrors(res, 401, 'UNAUTHENTICATED', `The access token is not valid: ${revoked}`, {
            'www-authenticate': invalidTokenChallenge(revoked, config.realm),
          });
        }
        break;
      }
      case 'anonymous':
        break;
      default:
        throw unreachable(outcome);
    }

    const principal = outcome.kind === 'principal' ? outcome.principal : undefined;
    const method = (req.method ?? 'GET').toUpperCase();
    const resolved = resolvePersisted(trusted, { method, body: body.value, search }, principal?.clientId);
    if (resolved.kind === 'refused') return sendErrors(res, resolved.status, resolved.code, resolved.message);

    const context: GutHibContext = {
      stepUp: createStepUpState(outcome, clock(), { wholeOperation: resolved.persisted !== undefined, ledger, canReauthenticateClaim: config.canReauthenticateClaim }),
      viewer: principal?.subject,
      loaders: createLoaders(source),
    };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: graphQLRequestOf(req, method, resolved.search, resolved.body),
      context: async () => context,
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  /** OIDC Back-Channel Logout 1.0 §2.5: the provider POSTs `logout_token`; 200 when done, 400 when not. */
  const handleLogout = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'invalid_request', error_description: 'POST a logout_token' }, { allow: 'POST' });
    const body = await readBody(req, 16_384);
    const form = body.kind === 'read' && typeof body.value === 'string' ? new URLSearchParams(body.value) : undefined;
    const token = form?.get('logout_token');
    if (!token) return sendJson(res, 400, { error: 'invalid_request', error_description: 'the request has no logout_token' });
    const checked = await verifyLogoutToken(token, { issuer, audiences: config.logoutAudiences, keys, now: clock(), clockTolerance: config.clockTolerance });
    if (checked.kind === 'invalid') return sendJson(res, 400, { error: 'invalid_request', error_description: checked.reason });
    try {
      // §2.6: a logout token is used once; remember its jti as long as it could be replayed.
      if (!(await state.claim(`jti:${issuer}\u0000${checked.jti}`, 15 * 60_000))) {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'the logout token was already used' });
      }
      if (checked.sid !== undefined) await revocations.endSession(issuer, checked.sid);
      else await revocations.logOutUser(issuer, checked.sub!, checked.iat);
    } catch {
      return sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'the logout cannot be recorded right now' }, { 'retry-after': '5' });
    }
    return sendJson(res, 200, {});
  };

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://gateway');
    let handled: Promise<void> | void;
    if (url.pathname === '/graphql') handled = handleGraphQL(req, res, url.search);
    else if (url.pathname === '/healthz') handled = sendJson(res, 200, { status: 'ok' });
    else if (url.pathname === '/backchannel-logout') handled = handleLogout(req, res);
    else if (idp !== undefined && url.pathname === '/' && req.method === 'GET') handled = sendDemoApp(res, issuer);
    else if (idp !== undefined) handled = idp.handle(req, res);
    else handled = sendErrors(res, 404, 'NOT_FOUND_PATH', `Nothing is served at ${url.pathname}; GraphQL is at /graphql`);
    Promise.resolve(handled).catch((error: unknown) => {
      // Never a partial answer and never the error's details: the logs get the message, the caller a 500.
      console.error('request failed:', (error as Error).message);
      if (!res.headersSent) sendErrors(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.destroy();
    });
  }

  httpServer.on('request', route);
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}/graphql`,
    issuer,
    devKey,
    devProvider: idp,
    policy,
    async close() {
      await apollo.stop();
      await redis?.close();
      await state.close();
    },
  };
}

/** The dev issuer's identifier, also used by `npm run token` to mint tokens for it. */
export function devIssuerUrl(port: number): string {
  return `http://localhost:${port}`;
}

type Outcome = TokenOutcome | { readonly kind: 'malformed'; readonly reason: string };

async function credentialsOf(req: IncomingMessage, verifier: TokenVerifier): Promise<Outcome> {
  const credentials = readBearerToken(req.headers.authorization);
  switch (credentials.kind) {
    case 'none':
      return ANONYMOUS;
    case 'malformed':
      return credentials;
    case 'bearer':
      return verifier.verify(credentials.token);
  }
}

type Body = { readonly kind: 'read'; readonly value: unknown } | { readonly kind: 'refused'; readonly status: number; readonly message: string };

/** Reads a request body up to a limit; JSON bodies are parsed, others handed to Apollo as text. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      return { kind: 'refused', status: 413, message: `The request body is larger than ${maxBytes} bytes` };
    }
    chunks.push(chunk);
  }
  if (size === 0) return { kind: 'read', value: undefined };
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(type)) return { kind: 'read', value: text };
  try {
    return { kind: 'read', value: JSON.parse(text) };
  } catch {
    return { kind: 'refused', status: 400, message: 'The request body is not valid JSON' };
  }
}

function unreachable(value: never): Error {
  return new Error(`unreachable: ${JSON.stringify(value)}`);
}

function graphQLRequestOf(req: IncomingMessage, method: string, search: string, body: unknown): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { method, headers, search, body };
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

/** A GraphQL-shaped refusal made outside Apollo: one error, no `data` key. */
function sendErrors(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  const error: GraphQLFormattedError = gatewayError(code, message).toJSON();
  sendJson(res, status, { errors: [error] }, headers);
}
