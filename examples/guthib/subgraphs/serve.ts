/**
 * One GutHib subgraph as its own process, for tests and the benchmark:
 *
 *   PORT=0 GATEWAY_JWKS_URL=http://127.0.0.1:4000/.well-known/gateway-jwks.json \
 *     node --import tsx examples/guthib/subgraphs/serve.ts accounts
 *
 * Prints `listening <url>` once it answers, then one JSON line per received document
 * (`{"subgraph","query","sub"}`), and stops on SIGTERM or SIGINT.
 * Environment: PORT (default 0, any free port), GATEWAY_JWKS_URL (required), GATEWAY_ISSUER
 * (default `step-up-gateway`), GATEWAY_ACCEPT_LEGACY_IDENTITY (`1`: also accept the deprecated static
 * identities of gateways that cannot sign per request, as the bench's peers send; default off), REDIS_URL
 * (repositories: star events go through this Redis, shared by replicas; default in this process).
 */
import { createInMemorySource, generatedSeed } from '../inMemorySource.js';
import { GUTHIB_SUBGRAPH_NAMES, startGutHibSubgraph, type GutHibSubgraphName } from './index.js';

const name = process.argv[2] as GutHibSubgraphName;
if (!GUTHIB_SUBGRAPH_NAMES.includes(name)) {
  throw new TypeError(`usage: serve.ts <${GUTHIB_SUBGRAPH_NAMES.join('|')}>; got ${JSON.stringify(process.argv[2])}`);
}
const port = Number(process.env['PORT'] ?? '0');
if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new TypeError(`"PORT" must be a port number, 0 for any; got ${process.env['PORT']}`);
const jwksUrl = process.env['GATEWAY_JWKS_URL'];
if (jwksUrl === undefined || jwksUrl === '') throw new TypeError('"GATEWAY_JWKS_URL" must name the gateway\'s identity JWKS');

// GUTHIB_REPOSITORIES (bench/gateways.ts' realistic payload): that many generated repositories over five owners.
const generated = process.env['GUTHIB_REPOSITORIES'];
if (generated !== undefined && !/^[1-9]\d{0,3}$/.test(generated)) throw new TypeError(`"GUTHIB_REPOSITORIES" must be a count from 1 to 9999; got ${generated}`);
const subgraph = await startGutHibSubgraph(name, {
  ...(generated === undefined ? {} : { source: createInMemorySource(generatedSeed(Number(generated))) }),
  identity: {
    issuer: process.env['GATEWAY_ISSUER'] || 'step-up-gateway',
    jwksUrl,
    acceptLegacyIdentity: process.env['GATEWAY_ACCEPT_LEGACY_IDENTITY'] === '1',
  },
  ports: { [name]: port },
  redisUrl: process.env['REDIS_URL'] || undefined,
  onRequest: ({ subgraph, query, identity }) => {
    process.stdout.write(`${JSON.stringify({ subgraph, query, sub: identity.sub ?? null })}\n`);
  },
});
process.stdout.write(`listening ${subgraph.url}\n`);

const stop = (): void => {
  subgraph.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${name}: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
