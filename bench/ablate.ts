/**
 * In-process attribution of the gateway's per-request CPU over the equal baseline: no sockets, no
 * autocannon, so differences of 1 µs show. Each variant is called CALLS times in a row (each call awaited,
 * the same gold token every time: the cached-token scenario), CPU time per call is taken with
 * process.cpuUsage(), variants are interleaved A B C … A B C … for ROUNDS rounds, and medians reported.
 *
 * Whole requests go through fake req/res objects (an async-iterable body, headers, rawHeaders; a response
 * that records setHeader/end): node's HTTP parser and socket writes are left out, and are the same on
 * both sides. The ladder adds one part of the gateway at a time to the baseline; the pieces time the
 * endpoint's steps one by one; `dist` runs the same gateway compiled by tsc instead of through tsx.
 *
 * Env: BENCH_ROUNDS (25), BENCH_CALLS (500), BENCH_QUERY (main | <n> protected fields), BENCH_ONLY (name prefixes).
 * Usage: taskset -c 1 npx tsx bench/ablate.ts
 */
import { pino } from 'pino';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  BASE_SDL,
  createInMemorySource as benchSource,
  createLoaders as benchLoaders,
  resolvers as benchResolvers,
  type Principal as BenchPrincipal,
} from './guthib.js';
import { AUDIENCE, DEFAULT_KEYS_FILE, generateKeys, ISSUER, localKeySet, mintToken, readKeys } from './keys.js';
import { plainHandler } from './plainHttp.js';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = num('BENCH_ROUNDS', 25);
const CALLS = num('BENCH_CALLS', 500);
const REPO = resolve(import.meta.dirname, '..');
const FIELDS = process.env['BENCH_QUERY'] === undefined || process.env['BENCH_QUERY'] === 'main' ? undefined : Number(process.env['BENCH_QUERY']);
const QUERY =
  FIELDS === undefined
    ? '{ repositories { name stars owner { login } } viewer { login email paymentMethods { last4 } } }'
    : `{ repositories { name } viewer { ${Array.from({ length: FIELDS }, (_, i) => `e${i}: email`).join(' ')} } }`;
const BODY = Buffer.from(JSON.stringify({ query: QUERY }));

const keysFile = resolve(process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE);
if (!existsSync(keysFile)) await generateKeys(keysFile);
process.env['BENCH_KEYS_FILE'] = keysFile;
const token = await mintToken(readKeys(keysFile), { sub: 'alice', acr: 'gold', authAge: 0, ttl: 3600 });
const AUTHORIZATION = `Bearer ${token}`;

// ------------------------------------------------------------------------------ fake req and res

const AUTHORIZATION_BYTES = Buffer.from(AUTHORIZATION, 'latin1');
/**
 * What the handlers read of an IncomingMessage, as a fresh object per call (a body is read once): a real
 * Readable holding the body, so that `for await` and listeners both read it as they would a socket's. The
 * Authorization value is a fresh string each time, as node's HTTP parser makes it: a string used again has
 * its hash cached by V8, and a map lookup keyed by it would look cheaper than it is.
 */
function fakeRequest(): IncomingMessage {
  const headers = {
    host: '127.0.0.1:4000',
    'content-type': 'application/json',
    authorization: AUTHORIZATION_BYTES.toString('latin1'),
    'content-length': String(BODY.length),
    connection: 'keep-alive',
  };
  const rawHeaders = Object.entries(headers).flat();
  const req = new Readable({ read() {} });
  req.push(BODY);
  req.push(null);
  return Object.assign(req, { method: 'POST', url: '/graphql', headers, rawHeaders }) as unknown as IncomingMessage;
}

class FakeResponse {
  statusCode = 200;
  headersSent = false;
  readonly headers = new Map<string, unknown>();
  body = '';
  setHeader(name: string, value: unknown) {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  writeHead(status: number, headers: Record<string, string> = {}) {
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    return this;
  }
  write(chunk: string) {
    this.body += chunk;
    return true;
  }
  end(chunk?: string) {
    if (chunk !== undefined) this.body += chunk;
    this.headersSent = true;
    return this;
  }
  destroy() {}
}
const fakeResponse = () => new FakeResponse() as unknown as ServerResponse & FakeResponse;

// ------------------------------------------------------------------------------ the two sides

type Build = 'src' | 'dist';
/** The gateway's modules, through tsx (`src`) or compiled by tsc (`dist`). The example graph is the same file either way's build. */
async function gatewayModules(build: Build) {
  const root = build === 'src' ? '../src' : '../dist/src';
  // The example is not compiled into dist/: the same source either way.
  const examples = '../examples/guthib/index.js';
  return {
    config: (await import(`${root}/config.js`)) as typeof import('../src/config.js'),
    ladder: (await import(`${root}/stepup/ladder.js`)) as typeof import('../src/stepup/ladder.js'),
    stepUpSchema: (await import(`${root}/graphql/stepUpSchema.js`)) as typeof import('../src/graphql/stepUpSchema.js'),
    policyTable: (await import(`${root}/graphql/policyTable.js`)) as typeof import('../src/graphql/policyTable.js'),
    guard: (await import(`${root}/graphql/guard.js`)) as typeof import('../src/graphql/guard.js'),
    plugin: (await import(`${root}/graphql/plugin.js`)) as typeof import('../src/graphql/plugin.js'),
    apollo: (await import(`${root}/graphql/apollo.js`)) as typeof import('../src/graphql/apollo.js'),
    context: (await import(`${root}/graphql/context.js`)) as typeof import('../src/graphql/context.js'),
    endpoint: (await import(`${root}/http/graphqlEndpoint.js`)) as typeof import('../src/http/graphqlEndpoint.js'),
    respond: (await import(`${root}/http/respond.js`)) as typeof import('../src/http/respond.js'),
    authenticate: (await import(`${root}/auth/authenticate.js`)) as typeof import('../src/auth/authenticate.js'),
    verifier: (await import(`${root}/auth/gatewayVerifier.js`)) as typeof import('../src/auth/gatewayVerifier.js'),
    revocations: (await import(`${root}/auth/revocations.js`)) as typeof import('../src/auth/revocations.js'),
    store: (await import(`${root}/state/store.js`)) as typeof import('../src/state/store.js'),
    once: (await import(`${root}/graphql/once.js`)) as typeof import('../src/graphql/once.js'),
    trusted: (await import(`${root}/persisted/trustedDocuments.js`)) as typeof import('../src/persisted/trustedDocuments.js'),
    graph: (await import(examples)) as typeof import('../examples/guthib/index.js'),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-ablate-'));
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify({ tokenCacheSize: 10_000, limits: { maxAliases: 500, maxAliasesPerField: 200 } }));

const apolloOf = async <T extends BaseContext>(schema: import('graphql').GraphQLSchema, plugins: ApolloServerPlugin<T>[]) => {
  const server = new ApolloServer<T>({
    schema,
    includeStacktraceInErrorResponses: false,
    plugins: [...plugins, ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
  await server.start();
  return server;
};

async function sides(build: Build) {
  const m = await gatewayModules(build);
  const config = m.config.loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: AUDIENCE, STEP_UP_CONFIG: configFile }, REPO);
  const ladder = m.ladder.createLadder(config.ladder);
  const graph = m.graph.createGutHibGraph();
  const stepUpSchema = m.stepUpSchema.makeStepUpSchema(graph, ladder);
  const policy = m.policyTable.buildPolicyTable(stepUpSchema, ladder);
  const clock = () => Math.floor(Date.now() / 1000);
  const state = m.store.createMemoryState();
  const revocations = m.revocations.createRevocations(state, { maxTokenLifetime: config.maxTokenLifetime, clockTolerance: config.clockTolerance });
  const verifier = m.verifier.createGatewayVerifier(config, { issuer: ISSUER, keys: localKeySet(keysFile), clock, introspectionClient: undefined });
  // createApollo's signature is changing in src/ (a federated graph): call whichever form is there.
  const createApollo = m.apollo.createApollo as unknown as (...args: unknown[]) => ApolloServer<import('../src/graphql/context.js').StepUpContext>;
  const gatewayApollo =
    createApollo.length >= 4
      ? createApollo(config, stepUpSchema, policy, { httpServer: createServer(), apqCache: undefined })
      : createApollo(config, { schema: stepUpSchema, policy }, { httpServer: createServer(), apqCache: undefined, warn: () => undefined });
  await gatewayApollo.start();
  const ledger = m.once.createOnceLedger(state);
  const endpoint = m.endpoint.createGraphQLEndpoint({
    apollo: gatewayApollo,
    verifier,
    revocations,
    trusted: { manifest: undefined, partnerClients: new Set(), requireForAll: false },
    ledger,
    createContext: graph.createContext?.bind(graph),
    clock,
    realm: config.realm,
    maxBodyBytes: config.maxBodyBytes,
    canReauthenticateClaim: config.canReauthenticateClaim,
    warn: () => undefined,
    // The audit trail and metrics off here: this ablation measures the step-up work (the ops cost is measured by bench.ts).
    ops: { log: pino({ level: 'silent' }), metrics: undefined },
    ladder,
  } as Parameters<typeof m.endpoint.createGraphQLEndpoint>[0]);
  // src/server.ts route + dispatch (internal to startGateway), copied: the form with `graphqlSearch` (no
  // URL parsed for `/graphql`, no promise before dispatch) where respond.ts has it, the former one otherwise.
  const respond = m.respond as typeof m.respond & { graphqlSearch?: (target: string | undefined) => string | undefined };
  const graphqlSearch = respond.graphqlSearch;
  const routed =
    graphqlSearch === undefined
      ? (req: IncomingMessage, res: ServerResponse) =>
          Promise.resolve().then(async () => {
            const url = m.respond.requestUrl(req.url);
            if (url?.pathname === '/graphql') return endpoint(req, res, url.search);
            throw new Error('not /graphql');
          })
      : (req: IncomingMessage, res: ServerResponse) => {
          let handled: Promise<void> | void;
          try {
            const search = graphqlSearch(req.url);
            const url = search === undefined ? m.respond.requestUrl(req.url) : undefined;
            if (search === undefined && url?.pathname !== '/graphql') throw new Error('not /graphql');
            handled = endpoint(req, res, search ?? url!.search);
          } catch (error) {
            handled = Promise.reject(error);
          }
          return handled.catch((error: unknown) => {
            throw error;
          });
        };
  // The verified principal, as the endpoint puts it in the context, for the ladder's fixed-principal rungs.
  const outcome = await verifier.verify(token);
  if (outcome.kind !== 'principal') throw new Error(`token: ${JSON.stringify(outcome)}`);
  const principal = outcome.principal;
  const caller = { kind: 'principal', principal } as const;
  const exampleSource = m.graph.createInMemorySource();
  const gatewayContext = async () => {
    const stepUp = m.context.createStepUpState(caller, clock(), { wholeOperation: false, ledger, canReauthenticateClaim: config.canReauthenticateClaim });
    return { ...graph.createContext!({ principal, stepUp }), stepUp, principal };
  };
  const { createLoaders } = (await import('../examples/guthib/loaders.js')) as typeof import('../examples/guthib/loaders.js');
  const exampleContext = async () => ({ viewer: 'alice', loaders: createLoaders(exampleSource) });
  return {
    m,
    config,
    graph,
    stepUpSchema,
    policy,
    ladder,
    revocations,
    verifier,
    gatewayApollo,
    endpoint,
    routed,
    principal,
    caller,
    gatewayContext,
    exampleContext,
    clock,
  };
}

const src = await sides('src');
const dist = await sides('dist');

// Baseline: bench resolvers on BASE_SDL, the bench context (alice, 5 DataLoaders).
const ALICE: BenchPrincipal = Object.freeze({ subject: 'alice', expiresAt: Number.MAX_SAFE_INTEGER, claims: {} });
const bSource = benchSource();
const benchContext = async () => ({ principal: ALICE, loaders: benchLoaders(bSource) });
const plainApollo = await apolloOf(makeExecutableSchema({ typeDefs: BASE_SDL, resolvers: benchResolvers }), []);
// The example graph's resolvers on BASE_SDL (no directive, no ACRValue scalar), plain Apollo.
const exampleApollo = await apolloOf(makeExecutableSchema({ typeDefs: BASE_SDL, resolvers: src.graph.resolvers as never }), []);
// The step-up schema (directive definitions, ACRValue), no guards, no plugin.
const stepUpSchemaApollo = await apolloOf(src.stepUpSchema, []);
const guardedSchema = src.m.guard.applyStepUpGuards(src.stepUpSchema, src.policy);
const guardedApollo = await apolloOf(guardedSchema, []);
const pluginApollo = await apolloOf(guardedSchema, [src.m.plugin.stepUpPlugin(src.policy, { realm: src.config.realm })]);

// ------------------------------------------------------------------------------ variants

interface Variant {
  readonly name: string;
  readonly run: () => Promise<unknown> | unknown;
  /** Checked once before timing: the answer must be right before it is fast. */
  readonly check?: () => Promise<void>;
}
const expectData = async (run: (res: FakeResponse) => Promise<unknown>) => {
  const res = new FakeResponse();
  await run(res);
  const parsed = JSON.parse(res.body) as { data?: unknown; errors?: unknown };
  if (res.statusCode !== 200 || parsed.errors !== undefined || parsed.data === undefined) throw new Error(`bad answer ${res.statusCode} ${res.body}`);
};
const wholeRequest = (name: string, h: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>): Variant => ({
  name,
  run: () => h(fakeRequest(), fakeResponse()),
  check: () => expectData((res) => h(fakeRequest(), res as unknown as ServerResponse)),
});

const httpRequest = () => {
  const headers = new HeaderMap([
    ['content-type', 'application/json'],
    ['authorization', AUTHORIZATION],
  ]);
  return { method: 'POST', headers, search: '', body: JSON.parse(BODY.toString()) as unknown };
};
const searchOf = '';
const VARIANTS: Variant[] = [
  // The ladder: whole requests through fake req/res.
  wholeRequest('L0 baseline: plain handler, plain Apollo, bench resolvers', plainHandler(plainApollo, benchContext)),
  wholeRequest('L1 + example resolvers and loaders (examples/guthib)', plainHandler(exampleApollo, src.exampleContext)),
  wholeRequest('L2 + step-up schema (directive defs, ACRValue), gateway context', plainHandler(stepUpSchemaApollo, src.gatewayContext)),
  wholeRequest('L3 + resolve-time guards (applyStepUpGuards)', plainHandler(guardedApollo, src.gatewayContext)),
  wholeRequest('L4 + stepUp plugin (didResolveOperation, responseForOperation, willSendResponse)', plainHandler(pluginApollo, src.gatewayContext)),
  wholeRequest('L5 + createApollo options (validation rules, csrf, formatError, drain…)', plainHandler(src.gatewayApollo, src.gatewayContext)),
  wholeRequest('L6 gateway endpoint (body, auth, revocations, trusted docs, state)', ((req: IncomingMessage, res: ServerResponse) =>
    src.endpoint(req, res, '')) as never),
  wholeRequest('L7 + route/dispatch (new URL, promise) = whole gateway, tsx', src.routed),
  wholeRequest('L7d whole gateway, compiled dist/ (no tsx __name)', dist.routed),
  wholeRequest('L6d gateway endpoint, compiled dist/', ((req: IncomingMessage, res: ServerResponse) => dist.endpoint(req, res, '')) as never),
  // The endpoint's steps one by one (tsx), each on its own. The fake request is part of some: subtract P0.
  { name: 'P0 fakeRequest() alone (harness cost, in the P rows that read a request)', run: () => fakeRequest() },
  {
    name: 'P tsx keepNames: a closure + __name (Object.defineProperty name)',
    run: () => Object.defineProperty(async () => 1, 'name', { value: 'context', configurable: true }),
  },
  { name: 'P tsx keepNames: a closure alone', run: () => async () => 1 },
  { name: 'P readBody (for await, limit, content-type regex, JSON.parse)', run: () => src.m.respond.readBody(fakeRequest(), 1_048_576) },
  {
    name: "P plain body read (for await, JSON.parse): the baseline's",
    run: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of fakeRequest() as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    },
  },
  { name: 'P requestUrl (new URL)', run: () => src.m.respond.requestUrl('/graphql') },
  { name: 'P graphqlSearch (the /graphql fast path)', run: () => (src.m.respond as { graphqlSearch?: (t: string) => unknown }).graphqlSearch?.('/graphql') },
  {
    name: 'P authenticate (rawHeaders, bearer regex, cache, revocations)',
    run: () => src.m.authenticate.authenticate(fakeRequest(), searchOf, src.verifier, src.revocations, src.config.realm),
  },
  { name: 'P verifier.verify (token cache hit, the same string)', run: () => src.verifier.verify(token) },
  { name: 'P verifier.verify (token cache hit, a fresh string)', run: () => src.verifier.verify(AUTHORIZATION_BYTES.toString('latin1', 7)) },
  {
    name: 'P verifier.peek (token cache hit, a fresh string), where there is one',
    run: () => (src.verifier as { peek?: (t: string) => unknown }).peek?.(AUTHORIZATION_BYTES.toString('latin1', 7)),
  },
  { name: 'P a fresh token string alone (harness cost in the two rows above)', run: () => AUTHORIZATION_BYTES.toString('latin1', 7) },
  { name: 'P revocations.reasonRevoked (memory)', run: () => src.revocations.reasonRevoked(src.principal) },
  {
    name: 'P revocations.reasonRevokedNow (memory), where there is one',
    run: () => (src.revocations as { reasonRevokedNow?: (p: unknown) => unknown }).reasonRevokedNow?.(src.principal),
  },
  {
    name: 'P resolvePersisted',
    run: () =>
      src.m.trusted.resolvePersisted(
        { manifest: undefined, partnerClients: new Set(), requireForAll: false },
        { method: 'POST', body: { query: QUERY }, search: '' },
        undefined,
      ),
  },
  { name: 'P context: createStepUpState + createContext + spread', run: () => src.gatewayContext() },
  { name: 'P context: bench (5 DataLoaders)', run: () => benchContext() },
  { name: 'P graphQLRequestOf (HeaderMap)', run: () => src.m.respond.graphQLRequestOf(fakeRequest(), 'POST', '', undefined) },
  {
    name: 'P executeHTTPGraphQLRequest, gateway Apollo',
    run: () => src.gatewayApollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: httpRequest(), context: src.gatewayContext }),
  },
  {
    name: 'P executeHTTPGraphQLRequest, plain Apollo',
    run: () => plainApollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: httpRequest(), context: benchContext }),
  },
];

const ONLY = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim());
const chosen = VARIANTS.filter((v) => ONLY === undefined || ONLY.some((p) => v.name.startsWith(p)));
for (const v of chosen) await v.check?.();

const samples = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const v of chosen) {
    // Round 0 warms up (JIT), and is not counted.
    const c0 = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) await v.run();
    const c1 = process.cpuUsage(c0);
    if (round > 0) samples.get(v.name)!.push((c1.user + c1.system) / CALLS);
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
console.log(`query: ${QUERY.length > 90 ? `${QUERY.slice(0, 87)}...` : QUERY}`);
console.log(`${ROUNDS} rounds × ${CALLS} calls per variant, interleaved; CPU µs per call (process.cpuUsage): median, step from the rung above, min, max\n`);
console.log('| variant | median µs/call | step | min | max |\n|---|---:|---:|---:|---:|');
let previous: number | undefined;
for (const v of chosen) {
  const xs = samples.get(v.name)!;
  const med = median(xs);
  const step = v.name.startsWith('L') && !v.name.startsWith('L7d') && !v.name.startsWith('L6d') && previous !== undefined ? med - previous : undefined;
  if (v.name.startsWith('L') && !v.name.startsWith('L7d') && !v.name.startsWith('L6d')) previous = med;
  console.log(
    `| ${v.name} | ${med.toFixed(1)} | ${step === undefined ? '' : (step >= 0 ? '+' : '') + step.toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`,
  );
}
process.exit(0);
