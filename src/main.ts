/**
 * Process entry: configuration → gateway → graceful shutdown.
 * `npm start` runs it; without OIDC_ISSUER it is dev mode: its own issuer, seeded data.
 */
import { existsSync, watchFile } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandLine } from './cli/usage.js';
import { loadConfig, type Config } from './config.js';
import { loadGraph } from './gateway/loadGraph.js';
import { SHUTDOWN_GRACE_MS } from './graphql/apollo.js';
import { DEV_USERS } from './idp/devUsers.js';
import type { SubgraphConfig } from './federation/supergraph.js';
import { startGateway, type Gateway, type GatewayOptions } from './server.js';

/** The example's subgraphs, loaded by path so that the engine never imports them; only the repository has them. */
const EXAMPLE_FOLDER = new URL('../examples/guthib/subgraphs/', import.meta.url);
const EXAMPLE_SUBGRAPHS = new URL('../examples/guthib/subgraphs/index.js', import.meta.url);

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const served = await whatToServe(config);
  const gateway = await startGateway(config, served.options);
  console.log(`Serving ${served.name}`);
  if (gateway.devKey !== undefined) {
    console.log(
      [
        'DEV MODE: no OIDC_ISSUER is set, so this gateway is its own OpenID Provider (never use it in production).',
        `  issuer ${gateway.issuer}, signing key in ${config.devKeyDir}`,
        `  sign in with a browser at ${gateway.demoUrl ?? `${gateway.issuer}/`} (the demo web app, on an origin of its own) as one of:`,
        ...Object.entries(DEV_USERS).map(([user, { password, totpSecret }]) => `    ${user}: password ${password}, TOTP secret ${totpSecret}`),
        `  a TOTP code for alice:  ${commandLine('totp')} alice`,
        `  or mint a token:        ${commandLine('token')} --sub alice --acr HIGH --auth-age 30`,
      ].join('\n'),
    );
  } else {
    console.log(`Accepting access tokens from ${gateway.issuer} for audience ${config.audience}`);
  }
  if (process.env['npm_lifecycle_event'] !== undefined) {
    console.log(`Reload the supergraph: kill -HUP ${process.pid} (this gateway's pid; npm does not pass SIGHUP on)`);
  }
  console.log(`GraphQL gateway ready at ${gateway.url}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing requests in flight (at most ${SHUTDOWN_GRACE_MS / 1000} s), then stopping`);
    // Whatever happens, the process ends: a shutdown that outlives the grace period is cut short.
    setTimeout(() => {
      console.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + 5_000).unref();
    gateway
      .close()
      .then(() => served.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed:', (error as Error).message);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // SIGHUP: read the supergraph file again (or compose the subgraphs again) and swap it in if it is good.
  process.on('SIGHUP', () => reload(gateway, 'SIGHUP'));
  // Under `npm start`, npm is this process's parent and passes on only SIGINT and SIGTERM: a SIGHUP sent to
  // npm ends npm and would orphan the gateway. So the gateway names its own pid for reloads, and stops
  // (as on SIGTERM) when the npm it was started by is gone, whatever ended it.
  if (process.env['npm_lifecycle_event'] !== undefined) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('npm ended');
    }, 1_000).unref();
  }
  if (config.supergraph !== undefined) {
    const file = config.supergraph;
    watchFile(file, { interval: 1_000 }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs) reload(gateway, `${file} changed`);
    });
  }
}

function reload(gateway: Gateway, why: string): void {
  gateway.reload().then(
    ({ changed }) => console.log(`${why}: ${changed ? 'the new supergraph is served' : 'the supergraph is unchanged'}`),
    (error: unknown) => console.error(`${why}: the new supergraph is refused, the current one keeps serving: ${(error as Error).message}`),
  );
}

/**
 * What this file uses of the example, typed here: a type import of the example would compile it into the
 * package, which must not ship it.
 */
interface ExampleSubgraphs {
  startGutHibSubgraphs(options: { identity: { issuer: string; jwksUrl: string }; log: (line: string) => void }): Promise<{
    readonly subgraphs: readonly SubgraphConfig[];
    close(): Promise<void>;
  }>;
}

interface Served {
  readonly name: string;
  readonly options: GatewayOptions;
  close(): Promise<void>;
}

/**
 * A local graph (`graph`), the teams' subgraphs or a supergraph file (`subgraphs`, `supergraph`), or, with
 * none of them, in this project's repository only, the GutHib example as two subgraph services on loopback.
 * The example is not in the package: an installed gateway with no graph configured refuses to start.
 */
async function whatToServe(config: Config): Promise<Served> {
  const none = async (): Promise<void> => {};
  if (config.graph !== undefined) {
    const graph = await loadGraph(config.graph);
    return { name: graph.name ?? config.graph, options: { graph }, close: none };
  }
  if (config.supergraph !== undefined) {
    return {
      name: `the supergraph ${config.supergraph}`,
      options: { supergraph: { kind: 'file', path: config.supergraph, subgraphs: config.subgraphs ?? [] } },
      close: none,
    };
  }
  if (config.subgraphs !== undefined) {
    return {
      name: `the subgraphs ${config.subgraphs.map((subgraph) => subgraph.name).join(', ')}`,
      options: { supergraph: { kind: 'subgraphs', subgraphs: config.subgraphs } },
      close: none,
    };
  }
  if (!existsSync(fileURLToPath(EXAMPLE_FOLDER))) {
    throw new TypeError(
      'no graph to serve: set "graph" (an ES module of your own), "subgraphs" or "supergraph" in the config file (STEP_UP_CONFIG, default step-up.config.json in the working folder)',
    );
  }
  const example = (await import(EXAMPLE_SUBGRAPHS.href)) as ExampleSubgraphs;
  let running: Awaited<ReturnType<ExampleSubgraphs['startGutHibSubgraphs']>> | undefined;
  return {
    name: 'the GutHib example: two subgraph services, accounts and repositories, composed (set "subgraphs", "supergraph" or "graph" in the config file to serve your own)',
    options: {
      supergraph: async ({ identityJwksUrl, identityIssuer }) => {
        running = await example.startGutHibSubgraphs({ identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl }, log: (line) => console.log(line) });
        for (const subgraph of running.subgraphs) console.log(`subgraph ${subgraph.name} at ${subgraph.url}`);
        return { kind: 'subgraphs', subgraphs: running.subgraphs };
      },
    },
    close: async () => running?.close(),
  };
}

main().catch((error: unknown) => {
  // Start-up mistakes are TypeErrors that name the bad key or coordinate: the message is the help.
  console.error(`The gateway cannot start: ${(error as Error).message}`);
  process.exit(1);
});
