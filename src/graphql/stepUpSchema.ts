import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import type { Ladder } from '../stepup/ladder.js';
import { createACRValueScalar } from './acrScalar.js';
import { withStepUpTypeDefs } from './loadSchema.js';

/**
 * A graph's executable schema with what step-up adds: the directive's definitions (unless the SDL has
 * them) and the `ACRValue` scalar of this ladder. The same for the gateway and for `createStepUp`.
 */
export function makeStepUpSchema(
  graph: { readonly typeDefs: string; readonly resolvers?: IResolvers | readonly IResolvers[] | undefined },
  ladder: Ladder,
): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: withStepUpTypeDefs(graph.typeDefs),
    resolvers: [...[graph.resolvers ?? []].flat(), { ACRValue: createACRValueScalar(ladder) }],
  });
}
