import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTVerifyGetKey } from 'jose';
import { loadDevKey, type DevKey } from './auth/devIssuer.js';
import { discoverKeys } from './auth/discoverKeys.js';
import { createGatewayVerifier } from './auth/gatewayVerifier.js';
import { createRevocations } from './auth/revocations.js';
import type { Config } from './config.js';
import type { GraphDefinition } from './gateway/graph.js';
import { createApollo } from './graphql/apollo.js';
import { makeStepUpSchema } from './graphql/stepUpSchema.js';
import { createOnceLedger } from './graphql/once.js';
import { buildPolicyTable, type PolicyTable } from './graphql/policyTable.js';
import { createGraphQLEndpoint } from './http/graphqlEndpoint.js';
import { createLogoutEndpoint } from './http/logoutEndpoint.js';
import { requestUrl, sendErrors, sendJson } from './http/respond.js';
import { loadManifest } from './persisted/manifest.js';
import { createRedisCache } from './persisted/redisCache.js';
import { lintPolicy } from './review/lint.js';
import { createRedisState } from './state/redisState.js';
import { createMemoryState } from './state/store.js';
import { createLadder } from './stepup/ladder.js';

export interface GatewayOptions {
  /** The graph to serve: its SDL, resolvers and per-request context. */
  readonly graph: GraphDefinition;
  /** The current time in seconds since the epoch, for every check. Default: the system clock. */
  readonly clock?: () => number;
  /** Where warnings go (policy lint, an issuer or Redis out of reach). Default: `console.warn`. */
  readonly warn?: (message: string) => void;
  /** Where start-up information goes (keys loaded). Default: `console.log`. */
  readonly log?: (message: string) => void;
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
  readonly policy: PolicyTable;
  /** Stops accepting requests, lets those in flight finish, and closes. */
  close(): Promise<void>;
}

const systemClock = (): number => Math.floor(Date.now() / 1000);
/** RFC 8707 wants an absolute URI for the resource indicator; the tokens' `aud` is still OIDC_AUDIENCE. */
export const DEV_RESOURCE = 'urn:guthib:api';

/**
 * Builds the gateway from its configuration and starts listening. Programmer mistakes (a schema
 * naming an unknown level, a bad ladder, a malformed manifest) throw here, before any port is opened.
 */
export async function startGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const { graph } = options;
  const clock = options.clock ?? systemClock;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const log = options.log ?? ((message: string) => console.log(message));
  const ladder = createLadder(config.ladder);
  const schema = makeStepUpSchema(graph, ladder);
  const policy = buildPolicyTable(schema, ladder);
  for (const finding of lintPolicy(schema, policy)) warn(`policy lint (${finding.rule}): ${finding.message}`);
  const manifest = config.persistedDocuments.manifest === undefined ? undefined : loadManifest(config.persistedDocuments.manifest, schema);
  const trusted = { manifest, partnerClients: new Set(config.persistedDocuments.partnerClients), requireForAll: config.persistedDocuments.requireForAll };

  // Revocations, one-time step-ups, used logout tokens and the APQ cache: shared by every replica through Redis.
  const apqCache = config.redisUrl === undefined ? undefined : createRedisCache(config.redisUrl, { namespace: 'apq', warn });
  const state = config.redisUrl === undefined ? createMemoryState() : createRedisState(config.redisUrl, { warn });
  const revocations = createRevocations(state, { maxTokenLifetime: config.maxTokenLifetime, clockTolerance: config.clockTolerance });

  const httpServer = createServer({ maxHeaderSize: config.limits.maxHeaderBytes });
  const apollo = createApollo(config, schema, policy, { httpServer, apqCache: apqCache?.cache });
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
  const discovered =
    options.keys === undefined && devKey === undefined
      ? discoverKeys(issuer, { timeoutMs: config.jwksTimeoutMs, cooldownMs: config.jwksCooldownMs })
      : undefined;
  const keys = options.keys ?? devKey?.keys ?? discovered!;
  // Keys are loaded now, in the background: the start-up log says whether the issuer can be used, and why
  // not; the gateway serves anonymous callers meanwhile and tokens get 503 until it can.
  discovered?.load().then(
    (count) => log(`issuer ${issuer}: ${count} signing key(s) loaded`),
    (error: unknown) => warn(`issuer ${issuer} cannot be used yet: ${(error as Error).message}; tokens are answered 503 until it can`),
  );

  // Dev mode serves its own OpenID Provider at this origin, signing with the dev key: tokens from its
  // login pages and from `npm run token` are the same kind of token.
  const devSecret = randomBytes(24).toString('base64url');
  // Loaded only in dev mode: importing the gateway never loads oidc-provider.
  const idp =
    devKey === undefined
      ? undefined
      : await (await import('./idp/devProvider.js')).createDevProvider({
          issuer,
          signingJwk: devKey.privateJwk,
          gatewayAudience: config.audience,
          gatewayResource: DEV_RESOURCE,
          accessTokenFormat: config.opaqueTokens ? 'opaque' : 'jwt',
          clients: {
            web: { redirectUris: [`${issuer}/`], postLogoutRedirectUris: [`${issuer}/`], backchannelLogoutUri: `${issuer}/backchannel-logout` },
            gateway: { clientSecret: devSecret },
          },
          log: warn,
        });
  const introspectionClient = config.introspectionClient ?? (idp === undefined ? undefined : { id: 'guthib-gateway', secret: devSecret });

  const graphql = createGraphQLEndpoint({
    apollo,
    verifier: createGatewayVerifier(config, { issuer, keys, clock, introspectionClient }),
    revocations,
    trusted,
    ledger: createOnceLedger(state),
    createContext: graph.createContext?.bind(graph),
    clock,
    realm: config.realm,
    maxBodyBytes: config.maxBodyBytes,
    canReauthenticateClaim: config.canReauthenticateClaim,
    warn,
  });
  const logout = createLogoutEndpoint({ issuer, audiences: config.logoutAudiences, keys, clock, clockTolerance: config.clockTolerance, state, revocations });

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url);
    // A target no URL parser accepts (`//[/`, `http://a:99999/`) is the client's mistake, and the
    // connection may be out of step: answer 400 and close it (RFC 9112 §3.2).
    if (url === undefined) return sendErrors(res, 400, 'BAD_REQUEST', 'The request target is not a valid URL', { connection: 'close' });
    if (url.pathname === '/graphql') return graphql(req, res, url.search);
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/backchannel-logout') return logout(req, res);
    if (idp !== undefined && url.pathname === '/' && req.method === 'GET') return (await import('./idp/demoApp.js')).sendDemoApp(res, issuer);
    if (idp !== undefined) return idp.handle(req, res, url.pathname);
    return sendErrors(res, 404, 'NOT_FOUND_PATH', `Nothing is served at ${url.pathname}; GraphQL is at /graphql`);
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    // Everything a request reaches runs inside this promise: a throw, synchronous or not, becomes a
    // 500 for that request and never an uncaught exception that ends the process.
    Promise.resolve()
      .then(() => dispatch(req, res))
      .catch((error: unknown) => {
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
    policy,
    async close() {
      // Apollo's drain stops accepting, lets requests in flight finish for the grace period, then
      // closes every connection; the Redis clients close within a second whether Redis answers or not.
      await apollo.stop();
      await Promise.all([apqCache?.close(), state.close()]);
    },
  };
}

/** The dev issuer's identifier, also used by `npm run token` to mint tokens for it. */
export function devIssuerUrl(port: number): string {
  return `http://localhost:${port}`;
}
