import {
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { readJoins, type Joins } from './joins.js';

/**
 * Where a union's members can come from, read from the supergraph: a union is partial when its subgraphs
 * define it with different members (`@join__unionMember`). Below a path more than one subgraph can resolve,
 * only the members all of them have are safe to select (Apollo Federation's rule, which the federation
 * gateway audit checks): a member only one of them has comes back with its fields `null`, never fetched from
 * a subgraph the path does not go through.
 */
export interface UnionReach {
  /** Where the supergraph's fields are resolved (`joins.ts`). */
  readonly joins: Joins;
  /** Partial unions: union → subgraph → its members there. */
  readonly partialUnions: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
}

const argument = (directive: ConstDirectiveNode, name: string) => directive.arguments?.find((arg) => arg.name.value === name)?.value;

/** The supergraph's union reach, or undefined when it has no partial union (then nothing is ever narrowed). */
export function readUnionReach(supergraph: DocumentNode): UnionReach | undefined {
  const partialUnions = new Map<string, ReadonlyMap<string, ReadonlySet<string>>>();
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.UNION_TYPE_DEFINITION) continue;
    const byGraph = new Map<string, Set<string>>();
    for (const directive of definition.directives ?? []) {
      const graph = argument(directive, 'graph');
      if (graph?.kind !== Kind.ENUM) continue;
      if (directive.name.value === 'join__type' && !byGraph.has(graph.value)) byGraph.set(graph.value, new Set());
      const member = argument(directive, 'member');
      if (directive.name.value === 'join__unionMember' && member?.kind === Kind.STRING) {
        let set = byGraph.get(graph.value);
        if (set === undefined) byGraph.set(graph.value, (set = new Set()));
        set.add(member.value);
      }
    }
    const sets = [...byGraph.values()];
    if (sets.some((set) => set.size !== sets[0]!.size || [...set].some((member) => !sets[0]!.has(member)))) partialUnions.set(definition.name.value, byGraph);
  }
  return partialUnions.size === 0 ? undefined : { joins: readJoins(supergraph), partialUnions };
}

/**
 * `document` (one operation, fragments inlined) without the inline fragments on members of a partial union
 * that the subgraphs able to resolve its path do not all have. `narrowed` says whether anything was removed:
 * then the caller's answer is reshaped from the operation as written, and those members' fields are `null`.
 */
export function narrowUnions(schema: GraphQLSchema, reach: UnionReach, document: DocumentNode): { document: DocumentNode; narrowed: boolean } {
  let narrowed = false;
  const intersect = (a: ReadonlySet<string> | undefined, b: ReadonlySet<string>) =>
    a === undefined ? undefined : new Set([...a].filter((graph) => b.has(graph)));

  // `candidates`: the subgraphs that can resolve the current path; undefined when not known (nothing is narrowed below).
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, candidates: ReadonlySet<string> | undefined, root: boolean): SelectionSetNode => {
    let changed = false;
    const selections: SelectionNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition === undefined ? parent : schema.getType(selection.typeCondition.name.value);
        if (isUnionType(parent) && isObjectType(condition) && candidates !== undefined && !allowedMember(reach, parent.name, candidates, condition.name)) {
          changed = true;
          continue;
        }
        const inner = isCompositeType(condition) ? walk(selection.selectionSet, condition, candidates, root) : selection.selectionSet;
        if (inner !== selection.selectionSet) changed = true;
        selections.push(inner === selection.selectionSet ? selection : { ...selection, selectionSet: inner });
        continue;
      }
      if (selection.kind !== Kind.FIELD || selection.selectionSet === undefined || isUnionType(parent)) {
        selections.push(selection);
        continue;
      }
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
      const type = field === undefined ? undefined : getNamedType(field.type);
      if (type === undefined || !isCompositeType(type)) {
        selections.push(selection);
        continue;
      }
      let next: ReadonlySet<string> | undefined;
      if (isObjectType(parent)) {
        const resolving = new Set(reach.joins.plannedFrom(parent.name, selection.name.value));
        // From a root or an entity the planner may go to any subgraph that has the field; below a value type it stays.
        next = root || reach.joins.entities.has(parent.name) ? resolving : intersect(candidates, resolving);
      }
      const inner = walk(selection.selectionSet, type, next, false);
      if (inner !== selection.selectionSet) changed = true;
      selections.push(inner === selection.selectionSet ? selection : { ...selection, selectionSet: inner });
    }
    if (!changed) return selectionSet;
    narrowed = true;
    // An emptied selection stays valid with `__typename`.
    return { ...selectionSet, selections: selections.length > 0 ? selections : [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }] };
  };

  const definitions = document.definitions.map((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return definition;
    const rootType = schema.getRootType(definition.operation);
    if (rootType === null || rootType === undefined) return definition;
    const selectionSet = walk(definition.selectionSet, rootType, undefined, true);
    return selectionSet === definition.selectionSet ? definition : ({ ...definition, selectionSet } satisfies OperationDefinitionNode);
  });
  return narrowed ? { document: { ...document, definitions }, narrowed } : { document, narrowed };
}

/** Whether every subgraph in `candidates` that defines the union has `member` in it. */
function allowedMember(reach: UnionReach, union: string, candidates: ReadonlySet<string>, member: string): boolean {
  const byGraph = reach.partialUnions.get(union);
  if (byGraph === undefined) return true;
  for (const graph of candidates) if (byGraph.get(graph)?.has(member) === false) return false;
  return true;
}
