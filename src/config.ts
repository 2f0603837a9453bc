import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { checkLogLevel, type LogConfig } from './ops/log.js';
import { DEFAULT_LEVELS, type LevelDefinition } from './stepup/ladder.js';
import { DEFAULTS } from './defaults.js';

/**
 * The gateway's whole configuration, resolved once at start-up. Nothing else reads `process.env`.
 *
 * From the environment: `PORT`, `HOST`, `OIDC_ISSUER`, `OIDC_AUDIENCE`, `OIDC_CLIENT_ID`,
 * `OIDC_CLIENT_SECRET`, `REDIS_URL`, `STEP_UP_CONFIG`, and `NODE_ENV` (`production` refuses dev mode).
 * From the JSON file `STEP_UP_CONFIG` names (default `step-up.config.json` in the working folder,
 * when it exists): every other key below. A key the gateway does not know stops start-up.
 */
export interface Config {
  /** `PORT`; default 4000; 0 picks a free port. */
  readonly port: number;
  /** `HOST`; default `localhost`. */
  readonly host: string;
  /** `OIDC_ISSUER`: the OpenID Provider whose tokens are accepted. Absent: dev mode, the gateway is its own issuer. */
  readonly issuer: string | undefined;
  /** `OIDC_AUDIENCE`: the value `aud` must contain. Required with `OIDC_ISSUER`; default `guthib-api` in dev mode. */
  readonly audience: string;
  /** `ladder`: levels weakest first, `{ name, acr, maxAge? }` with `acr` one string or a list of them and `maxAge` in seconds. Default LOW/MEDIUM/HIGH (InCommon bronze/silver/gold). */
  readonly ladder: readonly LevelDefinition[];
  /** `clockTolerance`: seconds of clock skew tolerated on `exp`, `nbf`, `iat` and `auth_time`. Default 60. */
  readonly clockTolerance: number;
  /** `tokenCacheSize`: verified tokens kept until their `exp`. Default 10 000. */
  readonly tokenCacheSize: number;
  /** `jwksTimeoutMs`: milliseconds to wait for the provider's discovery document and JWKS. Default 5000. */
  readonly jwksTimeoutMs: number;
  /** `jwksCooldownMs`: milliseconds between two JWKS refreshes caused by an unknown `kid`. Default 30 000. */
  readonly jwksCooldownMs: number;
  /** `realm`: the realm of `WWW-Authenticate` challenges. Default `guthib`. */
  readonly realm: string;
  /** `introspection`: whether the schema can be introspected. Default: on in dev mode, off with `OIDC_ISSUER`. */
  readonly introspection: boolean;
  /** `maxBodyBytes`: the largest request body accepted. Default 1 MiB. */
  readonly maxBodyBytes: number;
  /** `graph`: path of an ES module whose default export is the graph to serve (`GraphDefinition`, or a function returning one). Absent: `npm start` serves the GutHib example. */
  readonly graph: string | undefined;
  /** `schemaDir`: a folder of `.graphql` files the `policy` commands read when no graph is given and none is served by config. Default none. */
  readonly schemaDir: string | undefined;
  /** `devKeyDir`: where dev mode keeps its signing key (git-ignored). Default `.dev-keys`. */
  readonly devKeyDir: string;
  /** `REDIS_URL`: shared state (the APQ cache) lives in this Redis; in memory when absent. */
  readonly redisUrl: string | undefined;
  /** `apq`: automatic persisted queries (Apollo's protocol). Default on. */
  readonly apq: boolean;
  /** `persistedDocuments`: trusted documents and who is held to them. */
  readonly persistedDocuments: PersistedDocumentsConfig;
  /** `limits`: bounds on what one request may ask. */
  readonly limits: Limits;
  /** `opaqueTokens`: accept opaque access tokens, introspected at the provider (RFC 7662). Default false. */
  readonly opaqueTokens: boolean;
  /** `OIDC_CLIENT_ID` / `OIDC_CLIENT_SECRET`: the gateway's client for introspection. Required with opaque tokens outside dev mode. */
  readonly introspectionClient: { readonly id: string; readonly secret: string } | undefined;
  /** `introspectionCacheSeconds`: how long an active introspection answer is reused (never beyond `exp`). Default 30. */
  readonly introspectionCacheSeconds: number;
  /**
   * `introspectionClientIds`: `client_id` values whose introspection answers are accepted without `aud`
   * (RFC 7662 §2.2 makes it optional). An answer with `aud` must still contain `audience`. Default none.
   */
  readonly introspectionClientIds: readonly string[];
  /**
   * `maxTokenLifetime`: seconds an access token may live at most; one issued for longer, or whose `exp` is
   * further away than this plus `clockTolerance`, is refused. Logouts are remembered this long plus twice
   * `clockTolerance`. Default 86 400.
   */
  readonly maxTokenLifetime: number;
  /** `logoutAudiences`: client ids whose back-channel logout tokens are accepted (their `aud`). Default `["guthib-web"]`. */
  readonly logoutAudiences: readonly string[];
  /** `canReauthenticateClaim`: the claim that says a user can (not) step up. Default Authgear's. */
  readonly canReauthenticateClaim: string;
  /**
   * `subgraphs`: the services of a federated graph, `[{ name, url, timeoutMs?, maxResponseBytes?, forwardAuthorization? }]`.
   * `timeoutMs`: milliseconds one request may take, reading the whole answer included (default 5000);
   * `maxResponseBytes`: bytes one answer may have, beyond which it is refused as SUBGRAPH_BAD_RESPONSE
   * (default 10485760, 10 MiB). Without
   * `supergraph`, the gateway asks each for its `_service { sdl }` and composes them; with it, these override the
   * supergraph's URLs and set timeouts. Absent, with no `graph` either: `npm start` serves the GutHib example's two subgraphs.
   */
  readonly subgraphs: readonly SubgraphConfig[] | undefined;
  /** `supergraph`: path of a supergraph SDL composed elsewhere (rover, Hive, Cosmo); reloaded when it changes or on SIGHUP. */
  readonly supergraph: string | undefined;
  /** `subgraphIdentity`: how the gateway signs the caller's identity for subgraphs. */
  readonly subgraphIdentity: SubgraphIdentityConfig;
  /** `cors`: `{ origins, credentials? }`, the web apps on other origins that may call `/graphql` from a browser. Default none (dev mode: its demo page). */
  readonly cors: CorsConfig | undefined;
  /** `log`: `{ level?, destination?, pretty? }`, the structured log and audit trail (pino). Default info, stdout, pretty in dev mode. */
  readonly log: LogConfig;
  /** `reload`: what a federated graph's reload (file change, SIGHUP) may do. */
  readonly reload: ReloadConfig;
  /** `subscriptions`: GraphQL over WebSocket on `/graphql` (`{ maxPerConnection?, connectionInitTimeoutMs?, recheckSeconds?, maxQueuedEvents? }`). */
  readonly subscriptions: SubscriptionsConfig;
  /**
   * `approvals.tickets`: offer transaction tickets, the weaker proof of an approval for providers without
   * Rich Authorization Requests (RFC 9396). Off by default. Signed with `STEP_UP_TICKET_SECRET` (at least 32
   * bytes, shared by replicas; required with an issuer); in dev mode a secret of the process's own.
   */
  readonly approvals: { readonly tickets: boolean; readonly ticketSecret: string | undefined };
  /** `npm_lifecycle_event` is set: the process runs under `npm start`, whose npm passes on only SIGINT and SIGTERM. */
  readonly startedByNpm: boolean;
  /**
   * `metrics`: Prometheus metrics (`/metrics`), off by default. `{ port, host? }` serves them on a listener of
   * their own (host default `127.0.0.1`), never the public one; `{ onMainListener: true }` serves them beside
   * `/graphql`, for a deployment that keeps that listener private.
   */
  readonly metrics: MetricsConfig | undefined;
}

export interface MetricsConfig {
  readonly port: number | undefined;
  readonly host: string;
  readonly onMainListener: boolean;
}

export interface SubgraphIdentityConfig {
  /** `issuer`: the identities' `iss`. Default `step-up-gateway`. */
  readonly issuer: string;
  /**
   * `keyFile`: an Ed25519 private JWK, or for a rotation a JWK Set whose first key (private) signs and whose
   * others are only published; replicas must share it. Default: in dev mode `<devKeyDir>/identity-key.json`
   * (made on first use), else a key made at start-up.
   */
  readonly keyFile: string | undefined;
}

/** Request limits; each refusal is a 4xx with a stable code. */
export interface Limits {
  /** `maxDepth`: fields nested in one operation, fragments followed. Default 15. */
  readonly maxDepth: number;
  /** `maxAliasesPerField`: aliases of one field in one selection set. Default 10. */
  readonly maxAliasesPerField: number;
  /** `maxAliases`: aliases in one document. Default 50. */
  readonly maxAliases: number;
  /** `maxSelections`: fields one operation selects, fragments expanded. Default 1000. */
  readonly maxSelections: number;
  /** `maxTokens`: lexical tokens in one document, checked while parsing. Default 10 000. */
  readonly maxTokens: number;
  /** `maxTokenBytes`: length of a bearer token. Default 8192. */
  readonly maxTokenBytes: number;
  /** `maxHeaderBytes`: all request headers together (Node answers 431 beyond). Default 16 384. */
  readonly maxHeaderBytes: number;
  /**
   * `maxSubgraphRequests`: requests to subgraphs one operation may cause (federated). Default 20. The
   * requests beyond it are not sent: their part of the answer is `null` with `SUBGRAPH_REQUEST_LIMIT`.
   */
  readonly maxSubgraphRequests: number;
}

const DEFAULT_LIMITS: Limits = Object.freeze({
  maxDepth: 15,
  maxAliasesPerField: 10,
  maxAliases: 50,
  maxSelections: 1_000,
  maxTokens: 10_000,
  maxTokenBytes: 8_192,
  maxHeaderBytes: 16_384,
  maxSubgraphRequests: 20,
});

export interface PersistedDocumentsConfig {
  /** `manifest`: path of an Apollo or GraphQL Code Generator manifest. None by default. */
  readonly manifest: string | undefined;
  /** `partnerClients`: `client_id`/`azp` values that may run manifest operations only. Default none. */
  readonly partnerClients: readonly string[];
  /** `requireForAll`: hold every caller to the manifest. Default false. */
  readonly requireForAll: boolean;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const FILE_KEYS = [
  'ladder',
  'clockTolerance',
  'tokenCacheSize',
  'jwksTimeoutMs',
  'jwksCooldownMs',
  'realm',
  'introspection',
  'maxBodyBytes',
  'graph',
  'schemaDir',
  'devKeyDir',
  'apq',
  'persistedDocuments',
  'limits',
  'opaqueTokens',
  'introspectionCacheSeconds',
  'introspectionClientIds',
  'maxTokenLifetime',
  'logoutAudiences',
  'canReauthenticateClaim',
  'subgraphs',
  'supergraph',
  'subgraphIdentity',
  'cors',
  'log',
  'metrics',
  'reload',
  'subscriptions',
  'approvals',
] as const;

export interface ReloadConfig {
  /**
   * `allowWeakening`: serve a reloaded supergraph that weakens the policy (a requirement dropped or lowered,
   * as `policy diff` says), each weakening still audited. Default false: such a reload is refused and the
   * current graph keeps serving. Start-up is not a reload: the first graph is served as it is.
   */
  readonly allowWeakening: boolean;
}

/** Builds the configuration; throws a `TypeError` that names the bad variable or key. */
export function loadConfig(env: Environment, cwd: string = process.cwd()): Config {
  const file = readConfigFile(env['STEP_UP_CONFIG'], cwd);
  const issuer = nonEmpty(env['OIDC_ISSUER'], 'OIDC_ISSUER');
  if (issuer !== undefined && !URL.canParse(issuer)) throw new TypeError('OIDC_ISSUER must be a URL');
  // Dev mode runs its own provider and prints passwords and TOTP secrets: never where production is declared.
  if (issuer === undefined && env['NODE_ENV'] === 'production') {
    throw new TypeError(
      'NODE_ENV is production but OIDC_ISSUER is not set: set OIDC_ISSUER (and OIDC_AUDIENCE) to your OpenID Provider, or unset NODE_ENV for a local dev-mode run',
    );
  }
  const audience = nonEmpty(env['OIDC_AUDIENCE'], 'OIDC_AUDIENCE');
  if (issuer !== undefined && audience === undefined) {
    throw new TypeError('OIDC_AUDIENCE must be set with OIDC_ISSUER: the value the tokens\' "aud" must contain');
  }
  const opaqueTokens = boolean(file, 'opaqueTokens', false);
  const clientId = nonEmpty(env['OIDC_CLIENT_ID'], 'OIDC_CLIENT_ID');
  const clientSecret = env['OIDC_CLIENT_SECRET'] || undefined;
  if ((clientId === undefined) !== (clientSecret === undefined)) throw new TypeError('OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together');
  if (opaqueTokens && issuer !== undefined && clientId === undefined) {
    throw new TypeError('config "opaqueTokens" needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: the client the gateway introspects with');
  }
  const introspectionClient = clientId === undefined ? undefined : { id: clientId, secret: clientSecret! };
  const port = env['PORT'] === undefined || env['PORT'] === '' ? 4000 : Number(env['PORT']);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new TypeError('PORT must be an integer from 0 to 65535');

  const folder = (key: 'schemaDir' | 'devKeyDir', fallback: string): string => {
    const value = file[key] ?? fallback;
    if (typeof value !== 'string' || value === '') throw new TypeError(`config "${key}" must be a folder path`);
    return isAbsolute(value) ? value : resolve(cwd, value);
  };

  return Object.freeze({
    port,
    host: nonEmpty(env['HOST'], 'HOST') ?? 'localhost',
    issuer,
    audience: audience ?? 'guthib-api',
    ladder: ladderOf(file['ladder']),
    clockTolerance: integer(file, 'clockTolerance', DEFAULTS.clockToleranceSeconds),
    tokenCacheSize: integer(file, 'tokenCacheSize', DEFAULTS.cacheEntries),
    jwksTimeoutMs: integer(file, 'jwksTimeoutMs', DEFAULTS.timeoutMs),
    jwksCooldownMs: integer(file, 'jwksCooldownMs', DEFAULTS.jwksCooldownMs),
    realm: string(file, 'realm', 'guthib'),
    introspection: boolean(file, 'introspection', issuer === undefined),
    maxBodyBytes: integer(file, 'maxBodyBytes', 1_048_576),
    graph: file['graph'] === undefined ? undefined : filePath(file['graph'], 'graph', cwd),
    schemaDir: file['schemaDir'] === undefined ? undefined : folder('schemaDir', ''),
    devKeyDir: folder('devKeyDir', '.dev-keys'),
    redisUrl: redisUrlOf(env['REDIS_URL']),
    apq: boolean(file, 'apq', true),
    persistedDocuments: persistedDocumentsOf(file['persistedDocuments'], cwd),
    limits: limitsOf(file['limits']),
    opaqueTokens,
    introspectionClient,
    introspectionCacheSeconds: integer(file, 'introspectionCacheSeconds', 30),
    introspectionClientIds: stringList(file, 'introspectionClientIds', []),
    maxTokenLifetime: integer(file, 'maxTokenLifetime', DEFAULTS.maxTokenLifetimeSeconds),
    logoutAudiences: stringList(file, 'logoutAudiences', ['guthib-web']),
    canReauthenticateClaim: string(file, 'canReauthenticateClaim', 'https://authgear.com/claims/user/can_reauthenticate'),
    ...federationOf(file, cwd),
    cors: corsOf(file['cors']),
    log: logOf(file['log'], cwd),
    metrics: metricsOf(file['metrics']),
    reload: reloadOf(file['reload']),
    subscriptions: subscriptionsOf(file['subscriptions']),
    approvals: approvalsOf(file['approvals'], env['STEP_UP_TICKET_SECRET'], issuer !== undefined),
    startedByNpm: env['npm_lifecycle_event'] !== undefined && env['npm_lifecycle_event'] !== '',
  });
}

function approvalsOf(value: unknown, secret: string | undefined, production: boolean): Config['approvals'] {
  if (value === undefined) return { tickets: false, ticketSecret: undefined };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('config "approvals" must be an object { tickets? }');
  const { tickets = false, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new TypeError(`config "approvals" has an unknown key "${unknown[0]}"`);
  if (typeof tickets !== 'boolean') throw new TypeError('config "approvals.tickets" must be true or false');
  const ticketSecret = secret === undefined || secret === '' ? undefined : secret;
  if (tickets && ticketSecret !== undefined && Buffer.byteLength(ticketSecret, 'utf8') < 32) {
    throw new TypeError('STEP_UP_TICKET_SECRET must be at least 32 bytes');
  }
  if (tickets && production && ticketSecret === undefined) {
    throw new TypeError('config "approvals.tickets" needs STEP_UP_TICKET_SECRET (at least 32 bytes, the same on every replica)');
  }
  return { tickets, ticketSecret };
}

export interface SubscriptionsConfig {
  /** `maxPerConnection`: subscriptions one connection may hold at once. Default 20. */
  readonly maxPerConnection: number;
  /** `connectionInitTimeoutMs`: how long a new socket may take to send `connection_init`. Default 3000. */
  readonly connectionInitTimeoutMs: number;
  /** `recheckSeconds`: how often open subscriptions are decided again when no event comes. Default 10. */
  readonly recheckSeconds: number;
  /** `maxQueuedEvents`: results a subscription holds for a client that does not read them; one more ends it (SUBSCRIPTION_BACKLOG). Default 100. */
  readonly maxQueuedEvents: number;
}

const DEFAULT_SUBSCRIPTIONS: SubscriptionsConfig = Object.freeze({
  maxPerConnection: 20,
  connectionInitTimeoutMs: 3_000,
  recheckSeconds: 10,
  maxQueuedEvents: 100,
});

function subscriptionsOf(value: unknown): SubscriptionsConfig {
  if (value === undefined) return DEFAULT_SUBSCRIPTIONS;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('config "subscriptions" must be an object { maxPerConnection?, connectionInitTimeoutMs?, recheckSeconds?, maxQueuedEvents? }');
  const settings: Record<string, number> = { ...DEFAULT_SUBSCRIPTIONS };
  for (const [key, setting] of Object.entries(value)) {
    if (!(key in DEFAULT_SUBSCRIPTIONS))
      throw new TypeError(`config "subscriptions": unknown key "${key}"; known keys are ${Object.keys(DEFAULT_SUBSCRIPTIONS).join(', ')}`);
    if (!(typeof setting === 'number' && Number.isSafeInteger(setting) && setting > 0))
      throw new TypeError(`config "subscriptions.${key}" must be a positive integer`);
    settings[key] = setting;
  }
  return Object.freeze(settings) as unknown as SubscriptionsConfig;
}

function reloadOf(value: unknown): ReloadConfig {
  if (value === undefined) return { allowWeakening: false };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('config "reload" must be an object { allowWeakening? }');
  const { allowWeakening = false, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new TypeError(`config "reload" has an unknown key "${unknown[0]}"`);
  if (typeof allowWeakening !== 'boolean') throw new TypeError('config "reload.allowWeakening" must be true or false');
  return { allowWeakening };
}

function logOf(value: unknown, cwd: string): LogConfig {
  if (value === undefined) return { level: 'info', destination: 'stdout', pretty: undefined, requests: true };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('config "log" must be an object { level?, destination?, pretty?, requests? }');
  const { level = 'info', destination = 'stdout', pretty, requests = true, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new TypeError(`config "log": unknown key "${extra}"`);
  if (typeof level !== 'string') throw new TypeError('config "log.level" must be a string');
  if (typeof destination !== 'string' || destination === '') throw new TypeError('config "log.destination" must be stdout, stderr or a file path');
  if (pretty !== undefined && typeof pretty !== 'boolean') throw new TypeError('config "log.pretty" must be true or false');
  if (typeof requests !== 'boolean') throw new TypeError('config "log.requests" must be true or false');
  return {
    level: checkLogLevel(level),
    destination: destination === 'stdout' || destination === 'stderr' ? destination : resolve(cwd, destination),
    pretty,
    requests,
  };
}

function metricsOf(value: unknown): MetricsConfig | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('config "metrics" must be an object { port, host? } or { onMainListener: true }');
  const { port, host = '127.0.0.1', onMainListener = false, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new TypeError(`config "metrics": unknown key "${extra}"`);
  if (typeof onMainListener !== 'boolean') throw new TypeError('config "metrics.onMainListener" must be true or false');
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new TypeError('config "metrics.port" must be a port number (0 picks a free one)');
  }
  if (port === undefined && !onMainListener) throw new TypeError('config "metrics" needs a "port" of its own, or "onMainListener": true');
  if (typeof host !== 'string' || host === '') throw new TypeError('config "metrics.host" must be a host name or address');
  return Object.freeze({ port: port as number | undefined, host, onMainListener });
}

function corsOf(value: unknown): CorsConfig | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('config "cors" must be an object { origins, credentials? }');
  const { origins, credentials = false, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new TypeError(`config "cors": unknown key "${extra}"`);
  if (!Array.isArray(origins) || origins.length === 0 || !origins.every((origin) => typeof origin === 'string')) {
    throw new TypeError('config "cors.origins" must be a non-empty array of origins such as "https://app.example"');
  }
  if (typeof credentials !== 'boolean') throw new TypeError('config "cors.credentials" must be true or false');
  const cors = Object.freeze({ origins: Object.freeze([...origins]) as readonly string[], credentials });
  checkCors(cors); // names a bad origin now, at start-up
  return cors;
}

function federationOf(file: ConfigFile, cwd: string): Pick<Config, 'subgraphs' | 'supergraph' | 'subgraphIdentity'> {
  const supergraph = file['supergraph'] === undefined ? undefined : filePath(file['supergraph'], 'supergraph', cwd);
  const subgraphs = file['subgraphs'] === undefined ? undefined : subgraphsOf(file['subgraphs'], supergraph === undefined);
  if (file['graph'] !== undefined && (subgraphs !== undefined || supergraph !== undefined)) {
    throw new TypeError('config "graph" serves a graph from this process; it cannot go with "subgraphs" or "supergraph"');
  }
  const identity = file['subgraphIdentity'] ?? {};
  if (typeof identity !== 'object' || identity === null || Array.isArray(identity))
    throw new TypeError('config "subgraphIdentity" must be an object { issuer?, keyFile? }');
  const { issuer = 'step-up-gateway', keyFile, ...rest } = identity as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new TypeError(`config "subgraphIdentity": unknown key "${extra}"`);
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('config "subgraphIdentity.issuer" must be a non-empty string');
  return {
    supergraph,
    subgraphs,
    subgraphIdentity: { issuer, keyFile: keyFile === undefined ? undefined : filePath(keyFile, 'subgraphIdentity.keyFile', cwd) },
  };
}

function subgraphsOf(value: unknown, urlRequired: boolean): readonly SubgraphConfig[] {
  const shape = 'an array of { name, url, timeoutMs?, maxResponseBytes?, forwardAuthorization? }';
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`config "subgraphs" must be ${shape}`);
  const names = new Set<string>();
  return value.map((item: unknown, index) => {
    const at = `config "subgraphs"[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new TypeError(`${at} must be an object { name, url, timeoutMs?, maxResponseBytes?, forwardAuthorization? }`);
    const { name, url, timeoutMs, maxResponseBytes, forwardAuthorization, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new TypeError(`${at}: unknown key "${extra}"`);
    if (typeof name !== 'string' || !/^[A-Za-z][\w-]*$/.test(name)) throw new TypeError(`${at}.name must be a subgraph name (letters, digits, _ and -)`);
    if (names.has(name)) throw new TypeError(`${at}.name: "${name}" is named twice`);
    names.add(name);
    if (url === undefined ? urlRequired : typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) {
      throw new TypeError(`${at}.url must be the subgraph's http(s) URL`);
    }
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
      throw new TypeError(`${at}.timeoutMs must be a positive integer of milliseconds`);
    }
    if (maxResponseBytes !== undefined && !(typeof maxResponseBytes === 'number' && Number.isSafeInteger(maxResponseBytes) && maxResponseBytes > 0)) {
      throw new TypeError(`${at}.maxResponseBytes must be a positive integer of bytes`);
    }
    if (forwardAuthorization !== undefined && typeof forwardAuthorization !== 'boolean')
      throw new TypeError(`${at}.forwardAuthorization must be true or false`);
    return Object.freeze({
      name,
      url: url as string | undefined,
      timeoutMs: timeoutMs as number | undefined,
      maxResponseBytes: maxResponseBytes as number | undefined,
      forwardAuthorization: forwardAuthorization as boolean | undefined,
    });
  });
}

function filePath(value: unknown, key: string, cwd: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`config "${key}" must be a file path`);
  return resolve(cwd, value);
}

function stringList(file: ConfigFile, key: keyof ConfigFile, fallback: readonly string[]): readonly string[] {
  const value = file[key] ?? fallback;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw new TypeError(`config "${key}" must be an array of non-empty strings`);
  }
  return value;
}

function limitsOf(value: unknown): Limits {
  if (value === undefined) return DEFAULT_LIMITS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('config "limits" must be an object');
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, limit] of Object.entries(value)) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`config "limits": unknown key "${key}"; known keys are ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (!(typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0)) throw new TypeError(`config "limits.${key}" must be a positive integer`);
    limits[key] = limit;
  }
  return Object.freeze(limits) as unknown as Limits;
}

function redisUrlOf(value: string | undefined): string | undefined {
  const url = nonEmpty(value, 'REDIS_URL');
  if (url !== undefined && !/^rediss?:\/\//.test(url)) throw new TypeError('REDIS_URL must be a redis:// or rediss:// URL');
  return url;
}

function persistedDocumentsOf(value: unknown, cwd: string): PersistedDocumentsConfig {
  if (value === undefined) return { manifest: undefined, partnerClients: [], requireForAll: false };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('config "persistedDocuments" must be an object { manifest?, partnerClients?, requireForAll? }');
  }
  const { manifest, partnerClients = [], requireForAll = false, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new TypeError(`config "persistedDocuments": unknown key "${extra}"`);
  if (manifest !== undefined && (typeof manifest !== 'string' || manifest === '')) {
    throw new TypeError('config "persistedDocuments.manifest" must be a file path');
  }
  if (!Array.isArray(partnerClients) || !partnerClients.every((id) => typeof id === 'string' && id !== '')) {
    throw new TypeError('config "persistedDocuments.partnerClients" must be an array of client ids');
  }
  if (typeof requireForAll !== 'boolean') throw new TypeError('config "persistedDocuments.requireForAll" must be true or false');
  if ((partnerClients.length > 0 || requireForAll) && manifest === undefined) {
    throw new TypeError('config "persistedDocuments.manifest" is needed when partnerClients or requireForAll hold callers to it');
  }
  return {
    manifest: manifest === undefined ? undefined : resolve(cwd, manifest as string),
    partnerClients: partnerClients as string[],
    requireForAll,
  };
}

type ConfigFile = Partial<Record<(typeof FILE_KEYS)[number], unknown>>;

function readConfigFile(named: string | undefined, cwd: string): ConfigFile {
  const path = resolve(cwd, named || 'step-up.config.json');
  if (!named && !existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TypeError(`config file ${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`config file ${path} must hold a JSON object`);
  }
  for (const key of Object.keys(parsed)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`config file ${path}: unknown key "${key}"; known keys are ${FILE_KEYS.join(', ')}`);
    }
  }
  return parsed as ConfigFile;
}

function nonEmpty(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.trim() !== value) throw new TypeError(`${name} must not start or end with white space`);
  return value;
}

function integer(file: ConfigFile, key: keyof ConfigFile, fallback: number): number {
  const value = file[key] ?? fallback;
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
    throw new TypeError(`config "${key}" must be a non-negative integer`);
  }
  return value;
}

function string(file: ConfigFile, key: keyof ConfigFile, fallback: string): string {
  const value = file[key] ?? fallback;
  if (typeof value !== 'string') throw new TypeError(`config "${key}" must be a string`);
  return value;
}

function boolean(file: ConfigFile, key: keyof ConfigFile, fallback: boolean): boolean {
  const value = file[key] ?? fallback;
  if (typeof value !== 'boolean') throw new TypeError(`config "${key}" must be true or false`);
  return value;
}

function ladderOf(value: unknown): readonly LevelDefinition[] {
  if (value === undefined) return DEFAULT_LEVELS;
  if (!Array.isArray(value)) throw new TypeError('config "ladder" must be an array of { name, acr (a string or a list of them), maxAge? }, weakest first');
  return value.map((level: unknown, index) => {
    if (typeof level !== 'object' || level === null) throw new TypeError(`config "ladder"[${index}] must be an object`);
    const { name, acr, maxAge, ...rest } = level as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new TypeError(`config "ladder"[${index}]: unknown key "${extra}"`);
    return { name, acr, maxAge: maxAge ?? undefined } as LevelDefinition;
  });
}

/** A subgraph the gateway calls: its name (as in the supergraph), where, and how. */
export interface SubgraphConfig {
  readonly name: string;
  /** Where it answers GraphQL; overrides the supergraph's `@join__graph(url:)`. Required when composing. */
  readonly url?: string | undefined;
  /** Milliseconds one request to it may take. Default 5000. */
  readonly timeoutMs?: number | undefined;
  /** Bytes one answer from it may have (the whole body, as received). Default 10485760 (10 MiB). */
  readonly maxResponseBytes?: number | undefined;
  /** Send it the caller's own `Authorization` header too. Default false: it gets the gateway's signed identity only. */
  readonly forwardAuthorization?: boolean | undefined;
}

/** Cross-origin access to `/graphql` for web apps on other origins (the Fetch standard's CORS protocol). */
export interface CorsConfig {
  /** Exact origins (`https://app.example`) allowed to call the gateway from a browser; `*` for any, only without credentials. */
  readonly origins: readonly string[];
  /** Whether the browser may send cookies or TLS client certificates (`Access-Control-Allow-Credentials`). Default false. */
  readonly credentials: boolean;
}

/** Checks the configured origins; throws a `TypeError` naming the bad one. */
export function checkCors(config: CorsConfig): void {
  const any = config.origins.includes('*');
  if (any && config.credentials) throw new TypeError('config "cors": "*" cannot go with credentials; list the origins');
  for (const origin of config.origins) {
    if (origin === '*') continue;
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new TypeError(
        `config "cors.origins": ${JSON.stringify(origin)} is not an origin such as https://app.example (scheme, host and port only, no path or trailing slash)`,
      );
    }
  }
}
