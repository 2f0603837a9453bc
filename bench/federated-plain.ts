/**
 * (G3) The same federation stack as this gateway without enforcement: Hive Router's query planner and plan
 * executor (`createPlannedExecutor` of `src/federation/queryPlanner.ts`) over the supergraph file
 * (BENCH_SUPERGRAPH), behind Apollo Server 5's gateway interface, each subgraph sent a static identity (BENCH_IDENTITIES: `{ accounts: jwt, repositories: jwt }`, alice at HIGH) by
 * `@graphql-tools/executor-http` with in-flight deduplication off over the gateway's own HTTP client
 * (`postToSubgraph` of `src/federation/subgraphHttp.ts`, with no deadline), with the baseline's raw `node:http` layer
 * (plainHttp.ts) and the same plugins as apollo-plain.ts (drain, landing page disabled, cache control
 * disabled). No token is read, nothing is pruned, reshaped or signed.
 * BENCH_G3=stitched runs the stack this gateway used before (and still uses for what needs resolve-time
 * checks): `@graphql-tools/federation`'s `getStitchedSchemaFromSupergraphSdl`.
 * Usage: BENCH_SUPERGRAPH=… BENCH_IDENTITIES=… node --import tsx bench/federated-plain.ts [port]
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { filterInternalFieldsAndTypes, getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import type { Executor } from '@graphql-tools/utils';
import { buildASTSchema, parse } from 'graphql';
import { createPlannedExecutor } from '../src/federation/queryPlanner.js';
import { DEFAULT_MAX_RESPONSE_BYTES, executorResponse } from '../src/federation/subgraphAnswer.js';
import { lowerCaseHeaders, postToSubgraph } from '../src/federation/subgraphHttp.js';
import { joinGraphs } from '../src/federation/supergraph.js';
import { plainHandler } from './plainHttp.js';
import { HOST, portFromArgs, reportCpuOnSignal } from './guthib.js';

const supergraphSdl = readFileSync(process.env['BENCH_SUPERGRAPH']!, 'utf8');
const identities = JSON.parse(readFileSync(process.env['BENCH_IDENTITIES']!, 'utf8')) as Record<string, string>;

/** The stitched stack, as a schema Apollo Server executes itself. */
function stitched() {
  return getStitchedSchemaFromSupergraphSdl({
    supergraphSdl,
    // `name` is the join__Graph enum value (ACCOUNTS); the identity's audience is the subgraph's name.
    httpExecutorOpts: ({ name }) => ({
      deduplicateInflightRequests: false,
      headers: { 'gateway-identity': identities[name.toLowerCase()]! },
    }),
  });
}

/** The planner's stack, as an Apollo gateway: its API schema, and each operation executed by the plan executor. */
async function planned(): Promise<GatewayInterface> {
  const supergraph = parse(supergraphSdl, { noLocation: true });
  const executors = new Map<string, Executor>();
  for (const { name, url } of joinGraphs(supergraph).values()) {
    executors.set(
      name,
      buildHTTPExecutor({
        endpoint: url!,
        deduplicateInflightRequests: false,
        headers: { 'gateway-identity': identities[name]! },
        fetch: async (endpoint: string, init: RequestInit | undefined) => {
          const headers = lowerCaseHeaders(init?.headers);
          const answer = await postToSubgraph({ name, url: endpoint, maxBytes: DEFAULT_MAX_RESPONSE_BYTES }, init?.body as string, headers);
          return executorResponse(answer.status, answer.statusText, answer.text);
        },
      }) as Executor,
    );
  }
  const executor = await createPlannedExecutor(supergraphSdl, supergraph, executors, (message) => console.error(message));
  if (executor === undefined) throw new Error('the Rust query planner cannot serve the bench supergraph');
  const apiSchema = filterInternalFieldsAndTypes(buildASTSchema(supergraph, { assumeValid: true, assumeValidSDL: true }));
  return {
    onSchemaLoadOrUpdate(listener) {
      listener({ apiSchema, coreSupergraphSdl: supergraphSdl });
      return () => undefined;
    },
    async load() {
      return {
        executor: (requestContext) =>
          executor.execute({
            document: requestContext.document,
            operationName: requestContext.operationName ?? undefined,
            variables: requestContext.request.variables,
            context: requestContext.context,
          }) as never,
      };
    },
    async stop() {},
  };
}

const httpServer = createServer({ maxHeaderSize: 16_384 });
const server = new ApolloServer({
  ...(process.env['BENCH_G3'] === 'stitched' ? { schema: stitched() } : { gateway: await planned() }),
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
});
await server.start();
const handle = plainHandler(server, async () => ({}));
httpServer.on('request', (req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error('request failed:', (error as Error).message);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
});
await new Promise<void>((done) => httpServer.listen(portFromArgs(), HOST, done));
reportCpuOnSignal();
console.log(`READY http://${HOST}:${(httpServer.address() as AddressInfo).port}/graphql`);
