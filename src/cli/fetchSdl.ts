import type { Config } from '../config.js';
import { fetchSubgraphSdl } from '../federation/federatedGraph.js';
import { createIdentitySigner } from '../federation/identity.js';
import { UsageError } from './usageError.js';

/**
 * A running subgraph's `_service { sdl }`, asked with an identity signed by the gateway's key
 * (`subgraphIdentity.keyFile`): subgraphs behind the gateway answer nobody else.
 */
export async function fetchSubgraphSdlWithKey(name: string, url: string, config: Config): Promise<string> {
  if (config.subgraphIdentity.keyFile === undefined) {
    throw new UsageError(`subgraph ${name} at ${url} answers the gateway only: set "subgraphIdentity.keyFile" to the gateway's key, or give its SDL file`);
  }
  const signer = await createIdentitySigner({ issuer: config.subgraphIdentity.issuer, keyFile: config.subgraphIdentity.keyFile });
  return fetchSubgraphSdl({ name, url, timeoutMs: 10_000 }, signer, Math.floor(Date.now() / 1000));
}
