/**
 * (G3) The same federation stack as this gateway without enforcement: Hive Router's query planner and plan
 * executor (`@graphql-hive/router-runtime`'s `unifiedGraphHandler`, as `src/federation/queryPlanner.ts` uses
 * it) over the supergraph file (BENCH_SUPERGRAPH), behind Apollo Server 5's gateway interface, each subgraph
 * sent a static identity (BENCH_IDENTITIES: `{ accounts: jwt, repositories: jwt }`, alice at HIGH) by
 * `@graphql-tools/executor-http` with in-flight deduplication off, with the baseline's raw `node:http` layer
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
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import type { ExecutionRequest, Executor } from '@graphql-tools/utils';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { buildASTSchema, parse, type ExecutionResult } from 'graphql';
import { joinGraphNames } from '../src/federation/supergraph.js';
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
  const urls = new Map<string, string>();
  for (const definition of supergraph.definitions) {
    if (definition.kind !== 'EnumTypeDefinition' || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const url = value.directives?.find((directive) => directive.name.value === 'join__graph')?.arguments?.find((argument) => argument.name.value === 'url');
      if (url?.value.kind === 'StringValue') urls.set(joinGraphNames(supergraph).get(value.name.value)!, url.value.value);
    }
  }
  const executors = new Map<string, Executor>();
  for (const [name, endpoint] of urls) {
    executors.set(name, buildHTTPExecutor({ endpoint, deduplicateInflightRequests: false, headers: { 'gateway-identity': identities[name]! } }) as Executor);
  }
  const handled = await unifiedGraphHandler({
    unifiedGraph: buildASTSchema(supergraph, { assumeValid: true, assumeValidSDL: true }),
    getUnifiedGraphSDL: () => supergraphSdl,
    onSubgraphExecute: (name: string, request: ExecutionRequest) => executors.get(name)!(request),
  } as never);
  const execute = handled.executor!;
  return {
    onSchemaLoadOrUpdate(listener) {
      listener({ apiSchema: handled.unifiedGraph, coreSupergraphSdl: supergraphSdl });
      return () => undefined;
    },
    async load() {
      return {
        executor: async (requestContext) =>
          (await execute({
            document: requestContext.document,
            operationName: requestContext.operationName ?? undefined,
            variables: requestContext.request.variables,
            context: requestContext.context,
          })) as ExecutionResult as never,
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
