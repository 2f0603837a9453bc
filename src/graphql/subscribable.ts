import { createSourceEventStream, execute, type GraphQLSchema } from 'graphql';
import type { SubscribableGraph } from '../http/websocket.js';
import type { PolicyTable } from './policyTable.js';

/**
 * Subscriptions over a graph served from this process: graphql-js's own Subscribe algorithm split in two, so
 * that each event executes with a context made for it (GraphQL spec §6.2.3: CreateSourceEventStream, then
 * MapSourceToResponseEvent with ExecuteSubscriptionEvent per event). `schema` carries the guards.
 */
export function localSubscriptions(schema: GraphQLSchema, policy: PolicyTable): SubscribableGraph {
  return {
    schema,
    policy,
    async open(args, context) {
      const stream = await createSourceEventStream({ schema, ...args, contextValue: context });
      return Symbol.asyncIterator in stream ? stream[Symbol.asyncIterator]() : stream;
    },
    execute(args, event, context) {
      return execute({ schema, ...args, rootValue: event, contextValue: context });
    },
  };
}
