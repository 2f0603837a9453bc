import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * A cost bound: the number of field selections an operation would resolve per parent object, with
 * fragment spreads expanded where they are used (a fragment spread ten times costs ten times). Lists
 * are not multiplied: the page size arguments already bound them (`repositories(first:)` ≤ 100).
 */
export function maxSelectionsRule(maxSelections: number): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const cost = (selectionSet: SelectionSetNode, spreading: ReadonlySet<string>, budget: number): number => {
      let count = 0;
      for (const selection of selectionSet.selections) {
        if (count > budget) break;
        if (selection.kind === Kind.FIELD) {
          count += 1 + (selection.selectionSet === undefined ? 0 : cost(selection.selectionSet, spreading, budget - count));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          count += cost(selection.selectionSet, spreading, budget - count);
        } else {
          const fragment = fragments.get(selection.name.value);
          if (fragment !== undefined && !spreading.has(fragment.name.value)) {
            count += cost(fragment.selectionSet, new Set(spreading).add(fragment.name.value), budget - count);
          }
        }
      }
      return count;
    };
    return {
      OperationDefinition(node) {
        if (cost(node.selectionSet, new Set(), maxSelections) > maxSelections) {
          context.reportError(
            new GraphQLError(`The operation selects more than ${maxSelections} fields`, { nodes: node, extensions: { limit: 'maxSelections' } }),
          );
        }
      },
    };
  };
}
