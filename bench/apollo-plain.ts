/**
 * (1) Baseline: plain Apollo Server 5 on the GutHib schema with no directives and no auth. To do the same
 * resolver work as the guarded servers, every request runs as alice (a fixed principal): no token is read.
 *
 * Equal to the gateway (src/server.ts, src/http/graphqlEndpoint.ts, src/graphql/apollo.ts), so that the
 * difference between the two is what step-up costs and nothing else:
 *  - HTTP: a raw `node:http` server (maxHeaderSize 16 384, the gateway's default) whose handler
 *    (plainHttp.ts) reads the body with `for await`, JSON.parses it, copies the headers into a HeaderMap,
 *    calls Apollo's `executeHTTPGraphQLRequest` and writes its answer with `cache-control: no-store`, as
 *    the gateway does.
 *    Not `startStandaloneServer`, which adds cors, body-parser and finalhandler to every request.
 *  - Apollo plugins: cache control disabled, landing page disabled, drain HTTP server; production mode
 *    (introspection off), no stack traces, CSRF prevention on, APQ on (Apollo's defaults = gateway's config).
 *  - The parsed and validated document is cached by Apollo on both sides (documentStore), so validation
 *    rules run once per distinct query, not per request.
 * Named differences (these are the gateway's work, and what the bench measures):
 *  - the gateway routes through `new URL()` and a promise per request, bounds the body, checks the
 *    content type, scans rawHeaders for a second Authorization header, reads and verifies the bearer
 *    token (cached), checks revocations, resolves trusted documents, builds the step-up state;
 *  - its Apollo has the stepUp plugin (didResolveOperation, responseForOperation, willSendResponse),
 *    resolve-time guards wrapped around protected fields (mapSchema), four extra validation rules (run
 *    on a documentStore miss only), formatError, hideSchemaDetailsFromClientErrors, maxTokens;
 *  - resolvers: this baseline uses the bench copy (guthib.ts, shared with the other competitors); the
 *    gateway serves examples/guthib (its loaders: 3 DataLoaders + a lazily built cards loader per request,
 *    here 5 DataLoaders). bench/PROFILE.md measures that difference (within noise).
 * BENCH_PLAIN=standalone serves the former baseline (startStandaloneServer, Apollo's cache-control plugin
 * on) to compare the two baselines; it is not the baseline.
 * Usage: node --import tsx apollo-plain.ts [port]   (or PORT=…; prints `READY <url>`)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { plainHandler } from './plainHttp.js';
import {
  BASE_SDL,
  createInMemorySource,
  createLoaders,
  HOST,
  portFromArgs,
  reportCpuOnSignal,
  resolvers,
  type GutHibContext,
  type Principal,
} from './guthib.js';

const ALICE: Principal = Object.freeze({ subject: 'alice', expiresAt: Number.MAX_SAFE_INTEGER, claims: {} });
const source = createInMemorySource();
const context = async (): Promise<GutHibContext> => ({ principal: ALICE, loaders: createLoaders(source) });
const schema = makeExecutableSchema({ typeDefs: BASE_SDL, resolvers });
const standalone = process.env['BENCH_PLAIN'] === 'standalone';

const httpServer = createServer({ maxHeaderSize: 16_384 });
const plugins: ApolloServerPlugin<GutHibContext>[] = standalone
  ? [ApolloServerPluginLandingPageDisabled()]
  : [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()];
const server = new ApolloServer<GutHibContext>({ schema, includeStacktraceInErrorResponses: false, plugins });

let url: string;
if (standalone) {
  ({ url } = await startStandaloneServer(server, { listen: { port: portFromArgs(), host: HOST }, context }));
  url = `${url}graphql`;
} else {
  await server.start();
  const handle = plainHandler(server, context);
  httpServer.on('request', (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('request failed:', (error as Error).message);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((done) => httpServer.listen(portFromArgs(), HOST, done));
  url = `http://${HOST}:${(httpServer.address() as AddressInfo).port}/graphql`;
}
reportCpuOnSignal();
console.log(`READY ${url}`);
