import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Refuses documents that use aliases to multiply work: more than `perField` aliases of one field in
 * one selection set (`a1: viewer a2: viewer …`), or more than `total` aliases in the whole document.
 */
export function maxAliasesRule(limits: { readonly perField: number; readonly total: number }): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    let total = 0;
    let reported = false;
    return {
      SelectionSet(node) {
        const perName = new Map<string, number>();
        for (const selection of node.selections) {
          if (selection.kind !== 'Field' || selection.alias === undefined) continue;
          const count = (perName.get(selection.name.value) ?? 0) + 1;
          perName.set(selection.name.value, count);
          if (count === limits.perField + 1) {
            context.reportError(
              new GraphQLError(`The field "${selection.name.value}" is aliased more than ${limits.perField} times in one selection`, {
                nodes: selection,
                extensions: { limit: 'maxAliasesPerField' },
              }),
            );
          }
        }
      },
      Field(node) {
        if (node.alias === undefined) return;
        total += 1;
        if (total > limits.total && !reported) {
          reported = true;
          context.reportError(new GraphQLError(`The document has more than ${limits.total} aliases`, { nodes: node, extensions: { limit: 'maxAliases' } }));
        }
      },
    };
  };
}
