/**
 * Process entry of `step-up-gateway serve`: the gateway as configured, with no default graph (the package
 * ships no example: with no `graph`, `subgraphs` or `supergraph` it refuses to start, naming the keys).
 */
import { runGateway } from './serve.js';

runGateway().catch((error: unknown) => {
  // Start-up mistakes are TypeErrors that name the bad key or coordinate: the message is the help.
  console.error(`The gateway cannot start: ${(error as Error).message}`);
  process.exit(1);
});
