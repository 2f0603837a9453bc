import { pathToFileURL } from 'node:url';
import type { GraphDefinition } from './graph.js';

/**
 * Loads the graph a config file names: an ES module whose default export is a `GraphDefinition`, or a
 * function (sync or async) returning one. Anything else stops start-up with a `TypeError` naming the file.
 */
export async function loadGraph(path: string): Promise<GraphDefinition> {
  let loaded: unknown;
  try {
    loaded = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new TypeError(`config "graph": ${path} cannot be imported: ${(error as Error).message}`);
  }
  const graph = typeof loaded === 'function' ? await (loaded as () => unknown)() : loaded;
  if (typeof graph !== 'object' || graph === null || typeof (graph as GraphDefinition).typeDefs !== 'string') {
    throw new TypeError(`config "graph": the default export of ${path} must be { typeDefs, resolvers?, createContext? } or a function returning it`);
  }
  return graph as GraphDefinition;
}
