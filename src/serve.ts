/**
 * The gateway as a process: configuration → gateway → signals → graceful shutdown. `step-up-gateway serve`
 * (src/main.ts) runs it as it is; a repository's own start script may pass a default graph (this one's
 * `npm start` passes the GutHib example). Without OIDC_ISSUER it is dev mode.
 */
import { watchFile } from 'node:fs';
import { relative } from 'node:path';
import { commandLine } from './cli/usage.js';
import { loadConfig, type Config } from './config.js';
import { loadGraph } from './gateway/loadGraph.js';
import { SHUTDOWN_GRACE_MS } from './graphql/apollo.js';
import { DEV_USERS } from './idp/devUsers.js';
import { startGateway, type Gateway, type GatewayOptions } from './server.js';

export interface RunGatewayOptions {
  /** What to serve when the config names no `graph`, `subgraphs` or `supergraph`. Default: nothing, refuse to start. */
  readonly defaultGraph?: ((config: Config) => Promise<ServedGraph>) | undefined;
}

export async function runGateway(options: RunGatewayOptions = {}): Promise<void> {
  const config = loadConfig(process.env);
  const served = await whatToServe(config, options.defaultGraph);
  const gateway = await startGateway(config, served.options);
  console.log(`Serving ${served.name}`);
  if (gateway.devKey !== undefined) {
    console.log(
      [
        'DEV MODE: no OIDC_ISSUER is set, so this gateway is its own OpenID Provider (never use it in production).',
        `  issuer ${gateway.issuer}, signing key in ${relative(process.cwd(), config.devKeyDir) || '.'}`,
        `  sign in with a browser at ${gateway.demoUrl ?? `${gateway.issuer}/`} (the demo web app, on an origin of its own) as one of:`,
        ...Object.entries(DEV_USERS).map(([user, { password, totpSecret }]) => `    ${user}: password ${password}, TOTP secret ${totpSecret}`),
        `  a TOTP code for alice:  ${commandLine('totp')} alice`,
        `  or mint a token:        ${commandLine('token')} --sub alice --acr HIGH --auth-age 30`,
      ].join('\n'),
    );
  } else {
    console.log(`Accepting access tokens from ${gateway.issuer} for audience ${config.audience}`);
  }
  if (config.startedByNpm) {
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
  if (config.startedByNpm) {
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

/** What the gateway serves, named for the start-up banner, and what to stop with it. */
export interface ServedGraph {
  readonly name: string;
  readonly options: GatewayOptions;
  close(): Promise<void>;
}

/**
 * A local graph (`graph`), the teams' subgraphs or a supergraph file (`subgraphs`, `supergraph`), or, with
 * none of them, the runner's default graph (this repository's `npm start` passes the GutHib example); with
 * no default either, `serve` refuses to start, naming the keys.
 */
async function whatToServe(config: Config, defaultGraph: RunGatewayOptions['defaultGraph']): Promise<ServedGraph> {
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
  if (defaultGraph !== undefined) return defaultGraph(config);
  throw new TypeError(
    'no graph to serve: set "graph" (an ES module of your own), "subgraphs" or "supergraph" in the config file (STEP_UP_CONFIG, default step-up.config.json in the working folder)',
  );
}
