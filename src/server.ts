import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTVerifyGetKey } from 'jose';
import { loadDevKey, type DevKey } from './auth/devIssuer.js';
import { issuerKeys, type IssuerKeys } from './auth/issuerKeys.js';
import { createGatewayVerifier } from './auth/gatewayVerifier.js';
import { createRevocations } from './auth/revocations.js';
import type { Config } from './config.js';
import type { GraphDefinition } from './gateway/graph.js';
import { createApollo, limitRules } from './graphql/apollo.js';
import { localSubscriptions } from './graphql/subscribable.js';
import { createWebSocketEndpoint } from './http/websocket.js';
import { applyStepUpGuards } from './graphql/guard.js';
import { createTransactionTickets } from './graphql/tickets.js';
import { makeStepUpSchema } from './graphql/stepUpSchema.js';
import { createOnceLedger } from './graphql/once.js';
import { buildPolicyTable, type PolicyTable } from './graphql/policyTable.js';
import { createGraphQLEndpoint } from './http/graphqlEndpoint.js';
import { createLogoutEndpoint } from './http/logoutEndpoint.js';
import { createCors } from './http/cors.js';
import type { Logger } from 'pino';
import { reportPolicyWeakened, type Ops } from './ops/audit.js';
import { createLogger } from './ops/log.js';
import { createGatewayMetrics } from './ops/metrics.js';
import { listenForMetrics, sendMetrics } from './http/metricsServer.js';
import { createRouter, type Routes } from './http/router.js';
import { loadManifest } from './persisted/manifest.js';
import { createRedisCache } from './persisted/redisCache.js';
import { lintPolicy } from './review/lint.js';
import { createRedisState } from './state/redisState.js';
import { createMemoryState } from './state/store.js';
import { createLadder, type Ladder } from './stepup/ladder.js';
import type { FederatedGraph, SupergraphSource } from './federation/federatedGraph.js';
import { createIdentitySigner, IDENTITY_JWKS_PATH } from './federation/identity.js';
import { formatUpstreamError } from './federation/upstream.js';
import type { GraphQLSchema } from 'graphql';

export interface GatewayOptions {
  /** A graph served from this process: its SDL, resolvers and per-request context. */
  readonly graph?: GraphDefinition;
  /**
   * A federated graph: the subgraphs to compose, or a supergraph file composed elsewhere. A function is
   * called once the gateway listens, with where its identity keys are published: subgraphs started
   * alongside (the dev-mode example) can be told where to verify the identities they will receive.
   */
  readonly supergraph?: SupergraphSource | ((gateway: IdentityPublication) => Promise<SupergraphSource>);
  /** The current time in seconds since the epoch, for every check. Default: the system clock. */
  readonly clock?: () => number;
  /** Where warnings go (policy lint, an issuer or Redis out of reach). Default: `console.warn`. */
  readonly warn?: (message: string) => void;
  /** Where start-up information goes (keys loaded). Default: `console.log`. */
  readonly log?: (message: string) => void;
  /** Where signing keys come from. Default: the JWKS found by discovery of OIDC_ISSUER (the dev key in dev mode). */
  readonly keys?: JWTVerifyGetKey;
  /** The structured log and audit trail. Default: pino as the config's `log` says. */
  readonly logger?: Logger;
}

export interface Gateway {
  /** Where GraphQL is served, e.g. `http://localhost:4000/graphql`. */
  readonly url: string;
  /** The issuer whose tokens are accepted (the gateway itself in dev mode). */
  readonly issuer: string;
  /** Present in dev mode: the dev issuer's signing key, for minting tokens. */
  readonly devKey: DevKey | undefined;
  /** With `metrics: { port }`: where Prometheus scrapes, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly metricsUrl: string | undefined;
  /** Present in dev mode: the demo web app, on its own origin (PORT + 1, or a free port). */
  readonly demoUrl: string | undefined;
  /** The policy table of the graph served now. */
  readonly policy: PolicyTable;
  /** Federated: where subgraphs fetch the keys of the gateway's signed identities. */
  readonly identityJwksUrl: string | undefined;
  /** Federated: the supergraph served now. */
  readonly supergraphSdl: string | undefined;
  /**
   * Federated: reads the supergraph file (or composes the subgraphs) again and swaps the new graph in for
   * the requests that start from now on; a graph that fails is refused (the promise rejects saying why) and
   * the current one keeps serving. A local graph does not change: `{ changed: false }`.
   */
  reload(): Promise<{ readonly changed: boolean }>;
  /** Stops accepting requests, lets those in flight finish, and closes. */
  close(): Promise<void>;
}

/** Where and as whom the gateway signs the identities it sends subgraphs. */
export interface IdentityPublication {
  readonly identityJwksUrl: string;
  readonly identityIssuer: string;
}

const systemClock = (): number => Math.floor(Date.now() / 1000);

/**
 * Builds the gateway from its configuration and starts listening. Programmer mistakes (a schema
 * naming an unknown level, a bad ladder, a malformed manifest) throw here, before any port is opened;
 * a federated graph is composed once the port is open (subgraphs may fetch the gateway's keys), and a
 * composition error closes it again and throws, naming the subgraph, the coordinate and the rule.
 */
export async function startGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  if ((options.graph === undefined) === (options.supergraph === undefined)) {
    throw new TypeError('startGateway needs exactly one of "graph" (served from this process) and "supergraph" (federated)');
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? (await createLogger(config.log, config.issuer === undefined));
  const warn = options.warn ?? ((message: string) => logger.warn(message));
  const log = options.log ?? ((message: string) => logger.info(message));
  const metrics = config.metrics === undefined ? undefined : createGatewayMetrics();
  const ops: Ops = { log: logger, metrics, requestLines: config.log.requests };
  const ladder = createLadder(config.ladder);
  const checkGraph = (schema: GraphQLSchema, policy: PolicyTable): void => {
    if (config.persistedDocuments.manifest !== undefined) loadManifest(config.persistedDocuments.manifest, schema);
    for (const finding of lintPolicy(schema, policy)) warn(`policy lint (${finding.rule}): ${finding.message}`);
  };
  const local = options.graph === undefined ? undefined : localGraph(options.graph, ladder);
  if (local !== undefined) checkGraph(local.schema, local.policy);
  const manifestOf = (schema: GraphQLSchema) =>
    config.persistedDocuments.manifest === undefined ? undefined : loadManifest(config.persistedDocuments.manifest, schema);
  // A federated graph's manifest is checked against the supergraph once it is composed.
  const trusted = {
    manifest: local === undefined ? undefined : manifestOf(local.schema),
    partnerClients: new Set(config.persistedDocuments.partnerClients),
    requireForAll: config.persistedDocuments.requireForAll,
  };

  // Revocations, one-time step-ups, used logout tokens and the APQ cache: shared by every replica through Redis.
  const apqCache = config.redisUrl === undefined ? undefined : createRedisCache(config.redisUrl, { namespace: 'apq', warn });
  const state = config.redisUrl === undefined ? createMemoryState() : createRedisState(config.redisUrl, { warn });
  const revocations = createRevocations(state, { maxTokenLifetime: config.maxTokenLifetime, clockTolerance: config.clockTolerance });
  const closeState = () => Promise.all([apqCache?.close(), state.close()]);

  const httpServer = createServer({ maxHeaderSize: config.limits.maxHeaderBytes });
  const devKey = config.issuer === undefined ? await loadDevKey(config.devKeyDir) : undefined;
  // Dev mode keeps the identity key in devKeyDir too: a restarted gateway keeps its kid, so subgraphs that
  // cached its JWKS need not fetch it again.
  const signer =
    options.supergraph === undefined
      ? undefined
      : await createIdentitySigner({
          issuer: config.subgraphIdentity.issuer,
          keyFile: config.subgraphIdentity.keyFile,
          devKeyDir: devKey === undefined ? undefined : config.devKeyDir,
        });
  let issuer = config.issuer ?? '';
  // Keys given, or dev mode's own key: loaded from the start; an issuer's: once its JWKS has been read.
  let signingKeys: IssuerKeys | undefined;
  /** The subgraph the first composition waits for, while one does not answer. */
  let waitingFor: string | undefined;
  const routes: Routes = {
    // Browsers on the configured origins may call /graphql and read its WWW-Authenticate challenge.
    cors: config.cors === undefined ? undefined : createCors(config.cors),
    /** `/readyz`: tokens can be checked, the shared state answers and the graph is built; else what is not. */
    readiness() {
      signingKeys?.retry();
      const failing: string[] = [];
      // The issuer's URL is in the warn log, not on the public listener: readiness names the check only.
      if (!(signingKeys?.loaded() ?? (options.keys !== undefined || config.issuer === undefined))) failing.push("the issuer's signing keys are not loaded");
      if (state.available?.() === false) failing.push('the shared state (Redis) does not answer');
      if (waitingFor !== undefined) failing.push(`subgraph "${waitingFor}" does not answer yet`);
      else if (routes.graphql === undefined)
        failing.push(options.supergraph === undefined ? 'the graph is not built yet' : 'the supergraph is not composed yet');
      return failing;
    },
    metrics: metrics !== undefined && config.metrics?.onMainListener === true ? (_req, res) => sendMetrics(res, metrics) : undefined,
    identityJwks: signer === undefined ? undefined : { path: IDENTITY_JWKS_PATH, jwks: signer.jwks },
  };
  httpServer.on('request', createRouter(routes));

  await new Promise<void>((done, fail) => {
    httpServer.once('error', fail);
    httpServer.listen(config.port, config.host, () => done());
  });
  // In dev mode the issuer's name holds the port, known only now (PORT=0 picks one).
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const origin = `http://${host}:${port}`;
  issuer = config.issuer ?? devIssuerUrl(port);

  let federated: FederatedGraph | undefined;
  let apollo: ReturnType<typeof createApollo>;
  try {
    if (options.supergraph !== undefined) {
      const publication = { identityJwksUrl: `${origin}${IDENTITY_JWKS_PATH}`, identityIssuer: config.subgraphIdentity.issuer };
      const source = typeof options.supergraph === 'function' ? await options.supergraph(publication) : options.supergraph;
      // Loaded only for a federated graph: a gateway over a local graph never loads the federation executor.
      const { createFederatedGraph } = await import('./federation/federatedGraph.js');
      federated = await createFederatedGraph(source, {
        ladder,
        signer: signer!,
        warn,
        now: clock,
        check: (generation) => checkGraph(generation.schema, generation.policy),
        metrics,
        onWaiting: (subgraph) => void (waitingFor = subgraph),
        allowWeakening: config.reload.allowWeakening,
        maxSubgraphRequests: config.limits.maxSubgraphRequests,
        onWeakened: (changes, served) => reportPolicyWeakened(ops, changes, served),
      });
    }
    if (federated !== undefined) trusted.manifest = manifestOf(federated.current().schema);
    const graph =
      federated === undefined
        ? { schema: local!.guarded, policy: local!.policy }
        : { gateway: federated.gateway, policyOf: (schema: GraphQLSchema) => policyOfSchema(federated!, schema) };
    const tickets = config.approvals.tickets ? createTransactionTickets(config.approvals.ticketSecret ?? randomBytes(32).toString('base64url')) : undefined;
    apollo = createApollo(config, graph, { httpServer, apqCache: apqCache?.cache, warn, formatError: formatUpstreamError, tickets });
    await apollo.start();
  } catch (error) {
    await new Promise((done) => httpServer.close(done));
    await closeState();
    throw error;
  }

  signingKeys = issuerKeys(issuer, {
    given: options.keys ?? devKey?.keys,
    timeoutMs: config.jwksTimeoutMs,
    cooldownMs: config.jwksCooldownMs,
    onFetch: metrics === undefined ? undefined : (ok) => metrics.jwksFetches.inc({ outcome: ok ? 'ok' : 'failed' }),
    log,
    warn,
  });
  const keys = signingKeys.keys;

  // Dev mode (no OIDC_ISSUER): its own provider at this origin and the demo app on another, loaded only then.
  const dev =
    devKey === undefined
      ? undefined
      : await (
          await import('./devMode.js')
        ).startDevMode({
          config,
          devKey,
          issuer,
          origin,
          warn,
          approvalTypes: [...new Set([...(federated?.current().policy ?? local!.policy).approvals.values()].map((binding) => binding.type))],
        });
  routes.cors ??= dev?.cors;
  if (dev !== undefined) {
    routes.devProvider = {
      handle: (req, res, pathname) => dev.idp.handle(req, res, pathname),
      home: (res) => import('./idp/demoApp.js').then((demoApp) => demoApp.sendDemoApp(res, issuer)),
    };
  }
  const demo = dev?.demo;
  const introspectionClient = config.introspectionClient ?? dev?.introspectionClient;

  routes.logout = createLogoutEndpoint({
    issuer,
    audiences: config.logoutAudiences,
    keys,
    clock,
    clockTolerance: config.clockTolerance,
    state,
    revocations,
    log: logger,
  });
  const verifier = createGatewayVerifier(config, { issuer, keys, clock, introspectionClient, metrics });
  const ledger = createOnceLedger(state);
  routes.graphql = createGraphQLEndpoint({
    apollo,
    verifier,
    revocations,
    trusted,
    ledger,
    createContext: options.graph?.createContext?.bind(options.graph),
    clock,
    realm: config.realm,
    maxBodyBytes: config.maxBodyBytes,
    canReauthenticateClaim: config.canReauthenticateClaim,
    warn,
    ops,
    ladder,
  });

  // Subscriptions: GraphQL over WebSocket on the same port and path, decided at subscribe and before every event.
  const localSubscribable = local === undefined ? undefined : localSubscriptions(local.guarded, local.policy);
  const websocket = createWebSocketEndpoint({
    httpServer,
    allowsOrigin: (origin, host) => routes.cors?.allows(origin) === true || sameOrigin(origin, host),
    verifier,
    revocations,
    realm: config.realm,
    clock,
    ladder,
    ops,
    trusted,
    graph: () => localSubscribable ?? federated?.subscriptions(),
    createContext: options.graph?.createContext?.bind(options.graph),
    canReauthenticateClaim: config.canReauthenticateClaim,
    limits: { maxTokens: config.limits.maxTokens, maxBodyBytes: config.maxBodyBytes, rules: limitRules(config.limits) },
    subscriptions: config.subscriptions,
    introspection: config.introspection,
    warn,
  });

  if (metrics !== undefined) {
    metrics.policyCoordinates.set(0);
    Object.assign(metrics.policyCoordinates, { collect: () => metrics.policyCoordinates.set((federated?.current().policy ?? local!.policy).fields.size) });
    if (config.redisUrl !== undefined) Object.assign(metrics.redisUp, { collect: () => metrics.redisUp.set(state.available?.() === false ? 0 : 1) });
  }
  const metricsServer =
    config.metrics?.port === undefined || metrics === undefined ? undefined : await listenForMetrics(config.metrics.host, config.metrics.port, metrics);
  return {
    metricsUrl: metricsServer?.url,
    url: `${origin}/graphql`,
    issuer,
    devKey,
    demoUrl: demo?.url,
    get policy() {
      return federated?.current().policy ?? local!.policy;
    },
    identityJwksUrl: signer === undefined ? undefined : `${origin}${IDENTITY_JWKS_PATH}`,
    get supergraphSdl() {
      return federated?.current().supergraphSdl;
    },
    async reload() {
      return federated === undefined ? { changed: false } : federated.reload();
    },
    async close() {
      // Subscriptions end first (close code 1001), within the same grace as requests in flight.
      await websocket.close();
      // Apollo's drain stops accepting, lets requests in flight finish for the grace period, then
      // closes every connection; the Redis clients close within a second whether Redis answers or not.
      await apollo.stop();
      await demo?.close();
      await metricsServer?.close();
      await closeState();
    },
  };
}

/** A local graph: its schema as written (`schema`, for the checks) and with the resolve-time guards on (`guarded`, served). */
function localGraph(graph: GraphDefinition, ladder: Ladder): { schema: GraphQLSchema; guarded: GraphQLSchema; policy: PolicyTable } {
  const schema = makeStepUpSchema(graph, ladder);
  const policy = buildPolicyTable(schema, ladder);
  return { schema, guarded: applyStepUpGuards(schema, policy), policy };
}

/** The policy table of the generation a request runs on; the current one for a schema it does not know. */
function policyOfSchema(federated: FederatedGraph, schema: GraphQLSchema): PolicyTable {
  const current = federated.current();
  return current.schema === schema ? current.policy : (federated.generationOf(schema)?.policy ?? current.policy);
}

/** A page served by the gateway itself: its origin names the host the request was sent to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The dev issuer's identifier, also used by `npm run token` to mint tokens for it. */
export function devIssuerUrl(port: number): string {
  return `http://localhost:${port}`;
}
