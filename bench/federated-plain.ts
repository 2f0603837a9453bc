/**
 * (G3) The same federation stack as this gateway without enforcement: `@graphql-tools/federation`'s
 * `getStitchedSchemaFromSupergraphSdl` over the supergraph file (BENCH_SUPERGRAPH), each subgraph sent a
 * static identity (BENCH_IDENTITIES: `{ accounts: jwt, repositories: jwt }`, alice at HIGH), in-flight
 * deduplication off, under Apollo Server 5 with the baseline's raw `node:http` layer (plainHttp.ts) and the
 * same plugins as apollo-plain.ts (drain, landing page disabled, cache control disabled). No token is read.
 * Usage: BENCH_SUPERGRAPH=… BENCH_IDENTITIES=… node --import tsx bench/federated-plain.ts [port]
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { plainHandler } from './plainHttp.js';
import { HOST, portFromArgs, reportCpuOnSignal } from './guthib.js';

const supergraphSdl = readFileSync(process.env['BENCH_SUPERGRAPH']!, 'utf8');
const identities = JSON.parse(readFileSync(process.env['BENCH_IDENTITIES']!, 'utf8')) as Record<string, string>;
const schema = getStitchedSchemaFromSupergraphSdl({
  supergraphSdl,
  // `name` is the join__Graph enum value (ACCOUNTS); the identity's audience is the subgraph's name.
  httpExecutorOpts: ({ name }) => ({
    deduplicateInflightRequests: false,
    headers: { 'gateway-identity': identities[name.toLowerCase()]! },
  }),
});
const httpServer = createServer({ maxHeaderSize: 16_384 });
const server = new ApolloServer({
  schema,
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
