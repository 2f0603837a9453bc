/**
 * `npm start` in this repository: the gateway as `step-up-gateway serve` runs it, with the GutHib example as
 * its default graph (two subgraph services on loopback), used when the config names no graph of its own. A
 * consumer of the public API: the package itself ships no example and knows of none.
 */
import { runGateway } from 'step-up-gateway/gateway';
import { startGutHibSubgraphs } from './subgraphs/index.js';

runGateway({
  async defaultGraph() {
    let running: Awaited<ReturnType<typeof startGutHibSubgraphs>> | undefined;
    return {
      name: 'the GutHib example: two subgraph services, accounts and repositories, composed (set "subgraphs", "supergraph" or "graph" in the config file to serve your own)',
      options: {
        supergraph: async ({ identityJwksUrl, identityIssuer }) => {
          // With REDIS_URL (the gateway's Redis), star events cross replicas: a subscription on one hears stars given through another.
          running = await startGutHibSubgraphs({
            identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl },
            log: (line) => console.log(line),
            redisUrl: process.env['REDIS_URL'] || undefined,
          });
          for (const subgraph of running.subgraphs) console.log(`subgraph ${subgraph.name} at ${subgraph.url}`);
          return { kind: 'subgraphs', subgraphs: running.subgraphs };
        },
      },
      close: async () => running?.close(),
    };
  },
}).catch((error: unknown) => {
  console.error(`The gateway cannot start: ${(error as Error).message}`);
  process.exit(1);
});
