/**
 * (G2) Apollo Gateway 2 (`@apollo/gateway`, Elastic-2.0: installed here for the benchmark only, never a
 * dependency) under Apollo Server 5, over the bench's supergraph file, with the baseline's raw `node:http`
 * layer (../../plainHttp.ts) and plugins (drain, landing page disabled, cache control disabled). It enforces
 * no authorization (it cannot: no step-up, no directives of ours): each subgraph request carries a static
 * identity (alice, level HIGH) set in RemoteGraphQLDataSource.willSendRequest. Apollo Gateway does not
 * deduplicate requests in flight.
 * Usage: BENCH_SUPERGRAPH=… BENCH_IDENTITIES=… node --import tsx bench/peers/apollo-gateway/server.ts [port]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { plainHandler } from '../../plainHttp.js';
import { HOST, portFromArgs, reportCpuOnSignal, staticIdentities, supergraphSdl } from '../common.js';

const identities = staticIdentities();
const gateway = new ApolloGateway({
  supergraphSdl: supergraphSdl(),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request }) {
        request.http?.headers.set('gateway-identity', identities[name]!);
      },
    }),
});
const httpServer = createServer({ maxHeaderSize: 16_384 });
// @apollo/gateway 2.14 implements server-gateway-interface 1.x, Apollo Server 5 expects 2.0: a cast.
const server = new ApolloServer({
  gateway: gateway as never,
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
});
await server.start();
const handle = plainHandler(server as never, async () => ({}));
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
