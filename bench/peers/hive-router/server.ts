/**
 * (G5) Hive Gateway (`@graphql-hive/gateway` 2.15.1) with Hive Router's Rust query planner and executor
 * (`@graphql-hive/router-runtime` 1.4.23, `unifiedGraphHandler`, MIT; installed here for the benchmark only),
 * over the bench's supergraph file, served by `node:http`. **No authorization**: it answers the query for
 * any caller, so it is the fastest Node federation stack the bench knows, not a policy peer.
 * Each subgraph request carries a static identity (alice, level HIGH) from `transportEntries` headers, and
 * in-flight deduplication is off (`deduplicateInflightRequests: false`), as for (G1).
 * Usage: BENCH_SUPERGRAPH=… BENCH_IDENTITIES=… BENCH_KEYS_FILE=… node --import tsx bench/peers/hive-router/server.ts [port]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { HOST, portFromArgs, reportCpuOnSignal, staticIdentities, supergraphSdl } from '../common.js';

const identities = staticIdentities();

const gateway = createGatewayRuntime({
  supergraph: supergraphSdl(),
  unifiedGraphHandler,
  logging: false,
  landingPage: false,
  graphiql: false,
  transportEntries: Object.fromEntries(
    Object.entries(identities).map(([name, identity]) => [
      name,
      { headers: [['gateway-identity', identity]], options: { deduplicateInflightRequests: false } },
    ]),
  ) as never,
});

const httpServer = createServer({ maxHeaderSize: 16_384 }, gateway);
await new Promise<void>((done) => httpServer.listen(portFromArgs(), HOST, done));
reportCpuOnSignal();
console.log(`READY http://${HOST}:${(httpServer.address() as AddressInfo).port}/graphql`);
