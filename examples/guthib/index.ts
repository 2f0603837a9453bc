/**
 * The GutHib example graph: users, repositories, payment methods, and the mutations a café thief
 * must not run. One consumer of the public API among others: `npm start` serves it when no graph is
 * configured, and a config file can name it (`"graph": "examples/guthib/index.js"`) like any other.
 */
import { readSchemaFolder, type GraphDefinition } from 'step-up-gateway';
import type { GutHibContext } from './context.js';
import { createInMemorySource } from './inMemorySource.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';
import type { GutHibSource } from './source.js';

export { createInMemorySource, GUTHIB_SEED } from './inMemorySource.js';
export type { GutHibSource } from './source.js';
export type { GutHibContext } from './context.js';

/** The example's SDL, read from its own `schema/` folder. */
export function gutHibTypeDefs(): string {
  return readSchemaFolder(new URL('./schema/', import.meta.url).pathname);
}

/** The graph over `source` (default: a fresh in-memory copy of the seed). */
export function createGutHibGraph(options: { source?: GutHibSource } = {}): GraphDefinition<Omit<GutHibContext, 'stepUp'>> {
  const source = options.source ?? createInMemorySource();
  return {
    name: 'GutHib (the built-in example: set "graph" in the config file to serve your own)',
    typeDefs: gutHibTypeDefs(),
    resolvers: resolvers as GraphDefinition['resolvers'] & object,
    createContext: ({ principal }) => ({ viewer: principal?.subject, loaders: createLoaders(source) }),
  };
}

/** A config file's `"graph"` names a module whose default export is a graph or a function returning one. */
export default createGutHibGraph;
