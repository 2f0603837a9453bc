import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { composeFrom, parseSubgraphSpec, workingTree } from './graphInput.js';
import type { Output } from './policy.js';
import { UsageError } from './usageError.js';

/**
 * `compose`: prints the supergraph of the given subgraphs (`--subgraph name=<sdl file|url>[@<url>]`),
 * or of the configured `subgraphs`, with the gateway's own checks. Exit 1 when they do not compose.
 */
export async function runCompose(argv: readonly string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { subgraph: { type: 'string', multiple: true, default: [] } },
  });
  if (positionals.length > 0) throw new UsageError(`compose takes --subgraph options, not ${positionals[0]}`);
  const config = loadConfig(process.env);
  const specs =
    values.subgraph.length > 0
      ? values.subgraph.map(parseSubgraphSpec)
      : (config.subgraphs ?? []).map((subgraph) => ({ name: subgraph.name, source: subgraph.url ?? '', url: subgraph.url }));
  if (specs.length === 0) throw new UsageError('compose needs --subgraph name=<sdl file|url>[@<url>], or "subgraphs" in the config file');
  try {
    io.out(await composeFrom(specs, workingTree, config));
    return 0;
  } catch (error) {
    if ((error as Error).name !== 'CompositionError') throw error;
    io.err(`${(error as Error).message}\n`);
    return 1;
  }
}
