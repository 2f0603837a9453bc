import { Kind, type ConstDirectiveNode, type DocumentNode } from 'graphql';
import { typesWithFields } from './compose.js';

/** What a supergraph's `@join__type` and `@join__field` say about where types and fields are resolved. */
export interface Joins {
  /** `Type.field` → its `@requires` field set (the union of every subgraph's). */
  readonly requires: Map<string, string>;
  /** `Type@GRAPH` → the key field sets that subgraph resolves the entity by. */
  readonly keys: Map<string, string[]>;
  /** Types some subgraph resolves by a key: below them the planner may go to any subgraph that has the next field. */
  readonly entities: ReadonlySet<string>;
  /** The subgraphs (join__Graph values) that can resolve `Type.field`: not `@external` there. */
  servedBy(typeName: string, fieldName: string): readonly string[];
  /** The subgraphs the planner may fetch `Type.field` from: not `@external` there, nor overridden away (`usedOverridden`). */
  plannedFrom(typeName: string, fieldName: string): readonly string[];
}

interface FieldJoin {
  readonly graph: string;
  readonly external: boolean;
  readonly overridden: boolean;
}

/** Reads `@join__type(graph:, key:)` and `@join__field(graph:, requires:, external:, usedOverridden:)` from a supergraph's SDL. */
export function readJoins(supergraph: DocumentNode): Joins {
  const requires = new Map<string, string>();
  const keys = new Map<string, string[]>();
  const entities = new Set<string>();
  const typeGraphs = new Map<string, string[]>();
  const fieldJoins = new Map<string, FieldJoin[]>();
  const argument = (directive: ConstDirectiveNode, name: string): string | undefined => {
    const value = directive.arguments?.find((arg) => arg.name.value === name)?.value;
    return value?.kind === Kind.STRING ? value.value : value?.kind === Kind.ENUM ? value.value : value?.kind === Kind.BOOLEAN ? String(value.value) : undefined;
  };
  for (const definition of typesWithFields(supergraph)) {
    const typeName = definition.name.value;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'join__type') continue;
      const graph = argument(directive, 'graph');
      if (graph === undefined) continue;
      typeGraphs.set(typeName, [...(typeGraphs.get(typeName) ?? []), graph]);
      const key = argument(directive, 'key');
      if (key !== undefined && argument(directive, 'resolvable') !== 'false') {
        keys.set(`${typeName}@${graph}`, [...(keys.get(`${typeName}@${graph}`) ?? []), key]);
        entities.add(typeName);
      }
    }
    for (const field of definition.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== 'join__field') continue;
        const graph = argument(directive, 'graph');
        if (graph !== undefined) {
          const join = { graph, external: argument(directive, 'external') === 'true', overridden: argument(directive, 'usedOverridden') === 'true' };
          fieldJoins.set(coordinate, [...(fieldJoins.get(coordinate) ?? []), join]);
        }
        const set = argument(directive, 'requires');
        if (set !== undefined) requires.set(coordinate, requires.has(coordinate) ? `${requires.get(coordinate)} ${set}` : set);
      }
    }
  }
  const graphsOf = (joins: readonly FieldJoin[]) => joins.map((join) => join.graph);
  return {
    requires,
    keys,
    entities,
    // An @external field is not served by the subgraph that declares it external; a field no subgraph serves
    // that way is served by its type's subgraphs.
    servedBy: (typeName, fieldName) => {
      const served = (fieldJoins.get(`${typeName}.${fieldName}`) ?? []).filter((join) => !join.external);
      return served.length > 0 ? graphsOf(served) : (typeGraphs.get(typeName) ?? []);
    },
    plannedFrom: (typeName, fieldName) => {
      const joins = fieldJoins.get(`${typeName}.${fieldName}`);
      return joins === undefined ? (typeGraphs.get(typeName) ?? []) : graphsOf(joins.filter((join) => !join.external && !join.overridden));
    },
  };
}
