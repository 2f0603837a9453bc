/**
 * Process entry: configuration → gateway → graceful shutdown.
 * `npm start` runs it; without OIDC_ISSUER it is dev mode: its own issuer, seeded data.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { loadGraph } from './gateway/loadGraph.js';
import { SHUTDOWN_GRACE_MS } from './graphql/apollo.js';
import { DEV_USERS } from './idp/devUsers.js';
import { startGateway } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // No graph configured: the GutHib example, loaded by path so that the engine never imports it.
  const graph = await loadGraph(config.graph ?? fileURLToPath(new URL('../examples/guthib/index.js', import.meta.url)));
  const gateway = await startGateway(config, { graph });
  console.log(`Serving ${graph.name ?? (config.graph === undefined ? 'the GutHib example' : config.graph)}`);
  if (gateway.devKey !== undefined) {
    console.log(
      [
        'DEV MODE: no OIDC_ISSUER is set, so this gateway is its own OpenID Provider (never use it in production).',
        `  issuer ${gateway.issuer}, signing key in ${config.devKeyDir}`,
        `  sign in with a browser at ${gateway.issuer}/ as one of:`,
        ...Object.entries(DEV_USERS).map(([user, { password, totpSecret }]) => `    ${user}: password ${password}, TOTP secret ${totpSecret}`),
        '  a TOTP code for alice:  npm run totp -- alice',
        '  or mint a token:        npm run token -- --sub alice --acr HIGH --auth-age 30',
      ].join('\n'),
    );
  } else {
    console.log(`Accepting access tokens from ${gateway.issuer} for audience ${config.audience}`);
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
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', (error as Error).message);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // Start-up mistakes are TypeErrors that name the bad key or coordinate: the message is the help.
  console.error(`The gateway cannot start: ${(error as Error).message}`);
  process.exit(1);
});
