import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { combineAll, isAtLeastAsStrict, type Requirement } from '../stepup/requirement.js';
import type { PolicyEntry, PolicyTable } from './policyTable.js';

/** A protected field that an operation would resolve, at its response path. */
export interface SelectedRequirement {
  /** Response keys (aliases where given) from the root. */
  readonly path: readonly string[];
  /** The strictest coordinate behind it (`User.email`), or the abstract type it may turn out to be. */
  readonly coordinate: string;
  readonly requirement: Requirement;
  readonly node: FieldNode;
}

/**
 * Walks an operation with the policy table before anything executes, as graphql-js would collect
 * its fields (GraphQL spec §6.3.2 CollectFields): fragments and inline fragments, aliases, and
 * `@skip`/`@include` evaluated with the request's coerced variables. A field selected where the
 * parent may be several object types (an interface or a union) counts at the strictest of those still
 * possible there; a field that returns an interface or union counts at the strictest type it may return.
 * With `unknownVariables: 'include'`, a `@skip`/`@include` whose variable is not given counts as selected.
 */
export function requirementsOfOperation(
  schema: GraphQLSchema,
  table: PolicyTable,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variableValues: Readonly<Record<string, unknown>>,
  options: { readonly unknownVariables?: 'include' } = {},
): SelectedRequirement[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const root = schema.getRootType(operation.operation);
  if (root === undefined || root === null) return [];
  const found = new Map<string, SelectedRequirement>();

  const possibleTypesOf = (type: GraphQLNamedType): readonly GraphQLObjectType[] =>
    isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];

  const narrow = (parents: readonly GraphQLObjectType[], condition: string | undefined) => {
    if (condition === undefined) return parents;
    const type = schema.getType(condition);
    const allowed = new Set(type === undefined ? [] : possibleTypesOf(type));
    return parents.filter((parent) => allowed.has(parent));
  };

  const included = (node: FieldNode | { directives?: FieldNode['directives'] }): boolean => {
    try {
      const skip = getDirectiveValues(GraphQLSkipDirective, node, variableValues);
      if (skip?.['if'] === true) return false;
      const include = getDirectiveValues(GraphQLIncludeDirective, node, variableValues);
      return include?.['if'] !== false;
    } catch (error) {
      // Without the request's variables (annotating a manifest), a conditional field may be selected.
      if (options.unknownVariables === 'include') return true;
      throw error;
    }
  };

  const walk = (selectionSet: SelectionSetNode, parents: readonly GraphQLObjectType[], path: readonly string[], spreading: ReadonlySet<string>): void => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          if (name.startsWith('__')) break;
          const fieldPath = [...path, selection.alias?.value ?? name];
          const entries: PolicyEntry[] = [];
          let returned: GraphQLNamedType | undefined;
          for (const parent of parents) {
            const field = parent.getFields()[name];
            if (field === undefined) continue;
            returned ??= getNamedType(field.type);
            const entry = table.fields.get(`${parent.name}.${name}`);
            if (entry !== undefined) entries.push(entry);
          }
          const viaAbstract = returned && table.abstractTypes.get(returned.name);
          if (viaAbstract !== undefined) entries.push(viaAbstract);
          const earlier = found.get(fieldPath.join('.'));
          const requirement = combineAll(table.ladder, [...entries.map((entry) => entry.requirement), ...(earlier === undefined ? [] : [earlier.requirement])]);
          if (requirement !== undefined) {
            const strictest = entries.find((entry) => isAtLeastAsStrict(table.ladder, entry.requirement, requirement));
            found.set(fieldPath.join('.'), {
              path: fieldPath,
              coordinate: strictest?.coordinate ?? earlier?.coordinate ?? entries[0]!.coordinate,
              requirement,
              node: earlier?.node ?? selection,
            });
          }
          if (selection.selectionSet !== undefined && returned !== undefined) {
            walk(selection.selectionSet, possibleTypesOf(returned), fieldPath, spreading);
          }
          break;
        }
        case Kind.INLINE_FRAGMENT:
          walk(selection.selectionSet, narrow(parents, selection.typeCondition?.name.value), path, spreading);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // Validation rejects cycles (NoFragmentCyclesRule); this keeps the walk finite regardless.
          if (fragment === undefined || spreading.has(name)) break;
          const inner = new Set(spreading).add(name);
          walk(fragment.selectionSet, narrow(parents, fragment.typeCondition.name.value), path, inner);
          break;
        }
      }
    }
  };

  walk(operation.selectionSet, [root], [], new Set());
  return [...found.values()];
}
