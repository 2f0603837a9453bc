import {
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Visits `Type.field` for every object field a selection set selects on `type`, nested selections, inline
 * fragments and named `fragments` included. A field selected on an interface or union is visited on every
 * possible object type (whichever it turns out to be). A field the schema does not know with a selection
 * set of its own (a subgraph's `_entities`, answering `_Any`) is walked too: its fragments name their types.
 * Returns false when the selections nest deeper than `maxDepth`: then not everything was visited.
 */
export function visitSelectedFields(
  schema: GraphQLSchema,
  type: GraphQLNamedType | undefined | null,
  selectionSet: SelectionSetNode,
  visit: (coordinate: string) => void,
  options: { readonly fragments?: ReadonlyMap<string, FragmentDefinitionNode>; readonly maxDepth?: number } = {},
): boolean {
  const maxDepth = options.maxDepth ?? 64;
  let complete = true;
  const walk = (at: GraphQLNamedType | undefined | null, set: SelectionSetNode, depth: number): void => {
    if (depth > maxDepth) return void (complete = false);
    const concrete = at === undefined || at === null ? [] : isObjectType(at) ? [at] : isAbstractType(at) ? schema.getPossibleTypes(at) : [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.typeCondition === undefined ? at : schema.getType(selection.typeCondition.name.value), selection.selectionSet, depth + 1);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = options.fragments?.get(selection.name.value);
        if (fragment !== undefined) walk(schema.getType(fragment.typeCondition.name.value), fragment.selectionSet, depth + 1);
      } else if (!selection.name.value.startsWith('__')) {
        let known = false;
        for (const object of concrete) {
          const field = object.getFields()[selection.name.value];
          if (field === undefined) continue;
          known = true;
          visit(`${object.name}.${field.name}`);
          if (selection.selectionSet !== undefined) walk(getNamedType(field.type), selection.selectionSet, depth + 1);
        }
        if (!known && selection.selectionSet !== undefined) walk(undefined, selection.selectionSet, depth + 1);
      }
    }
  };
  walk(type, selectionSet, 0);
  return complete;
}
