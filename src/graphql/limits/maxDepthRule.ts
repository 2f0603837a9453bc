import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * Refuses an operation whose selections nest deeper than `maxDepth` fields, following fragment spreads.
 * A fragment's depth is computed once (a fragment spread a thousand times costs one walk), and a
 * fragment met again while being walked counts as 0, so cycles cannot loop: NoFragmentCyclesRule,
 * which runs beside this rule, reports them. Introspection counts like any query.
 */
export function maxDepthRule(maxDepth: number): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const fragmentDepths = new Map<string, number>();
    const depthOfFragment = (fragment: FragmentDefinitionNode): number => {
      const known = fragmentDepths.get(fragment.name.value);
      if (known !== undefined) return known;
      fragmentDepths.set(fragment.name.value, 0);
      const depth = depthOf(fragment.selectionSet);
      fragmentDepths.set(fragment.name.value, depth);
      return depth;
    };
    const depthOf = (selectionSet: SelectionSetNode): number => {
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        let depth = 0;
        if (selection.kind === Kind.FIELD) {
          depth = selection.selectionSet === undefined ? 1 : 1 + depthOf(selection.selectionSet);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          depth = depthOf(selection.selectionSet);
        } else {
          const fragment = fragments.get(selection.name.value);
          if (fragment !== undefined) depth = depthOfFragment(fragment);
        }
        deepest = Math.max(deepest, depth);
        if (deepest > maxDepth) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet);
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`The operation nests deeper than ${maxDepth} fields`, { nodes: node, extensions: { limit: 'maxDepth' } }));
        }
      },
    };
  };
}
