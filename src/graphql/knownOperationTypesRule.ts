import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Refuses an operation whose type the schema does not define (`subscription { … }` against a schema
 * without `Subscription`), at validation, so that the caller gets a 400 instead of an execution error
 * that reads like a fault of the server. graphql-js 17 ships this rule as `KnownOperationTypesRule`.
 * See https://spec.graphql.org/October2021/#sec-Schema ("root operation types").
 */
export function knownOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  return {
    OperationDefinition(node) {
      if (schema.getRootType(node.operation) != null) return;
      context.reportError(new GraphQLError(`This schema does not support ${node.operation} operations`, { nodes: node }));
    },
  };
}
