import type { IResolvers } from '@graphql-tools/utils';
import type { Principal } from '../auth/principal.js';
import type { StepUpState } from '../graphql/context.js';

/** What a graph's own context function is given for each request. */
export interface GraphRequest {
  /** The verified caller; `undefined` when anonymous (an invalid token never gets this far). */
  readonly principal: Principal | undefined;
  /** The request's step-up state, also in the context as `stepUp`. */
  readonly stepUp: StepUpState;
}

/**
 * A graph the gateway serves from this process: its SDL (with `@isAuthenticated` where fields need
 * it; the directive's definition is added), its resolvers, and what each request's context holds
 * beside `stepUp` and `principal` (loaders, a viewer, data sources).
 *
 * This is the local kind of graph; a graph composed from subgraph services is the other kind, and
 * both reach the same enforcement: one policy table built from the served schema.
 */
export interface GraphDefinition<TContext extends object = object> {
  /** Named in the start-up banner, e.g. `GutHib (example)`. */
  readonly name?: string;
  /** The graph's SDL. */
  readonly typeDefs: string;
  readonly resolvers?: IResolvers | readonly IResolvers[];
  /** The request's own context, merged with `{ stepUp, principal }`. Called once per request. */
  createContext?(request: GraphRequest): TContext;
}
