import { isObjectType, parse, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import type { PolicyEntry, PolicySource, PolicyTable } from '../graphql/policyTable.js';
import { readJoins } from './joins.js';
import { visitSelectedFields } from './selections.js';
import { combine } from '../stepup/requirement.js';

/**
 * Fields the planner fetches for the caller without the caller writing them carry the requirements of what
 * they make it fetch, computed once per supergraph into the one policy table:
 *
 * - `@requires(fields: "vaultPin")` on `User.pinHint`: to resolve `pinHint`, the planner first fetches
 *   `vaultPin` from its own subgraph and hands it to the requiring one. `pinHint` inherits the requirement
 *   of every field in that field set (nested selections included), and of what those fields require in
 *   turn (a chain of `@requires`).
 * - `@key(fields: "id secretCode")` of the subgraph that resolves an entity: to reach that subgraph's fields
 *   of the entity, the planner fetches the key's fields elsewhere and sends them as representations. A field
 *   that only such subgraphs serve inherits the requirements of their keys' protected fields (a field some
 *   subgraph serves without one is left as declared: should the planner still pick a protected key, the
 *   egress check stops that request).
 * - `@provides` adds no fetch: a provided field is fetched only when the caller selects it, and is then
 *   decided as written. It needs no inheritance.
 *
 * Inherited requirements are refused and pruned like declared ones, so a refused field is never fetched
 * on the caller's behalf; the reviewer tooling shows them as `requires <coordinate>` / `key <coordinate>`.
 * The supergraph's `@join__field(requires:)` and `@join__type(key:)` say all of it.
 */
export function withInheritedRequirements(table: PolicyTable, schema: GraphQLSchema, supergraph: DocumentNode): PolicyTable {
  const joins = readJoins(supergraph);
  if (joins.requires.size === 0 && joins.keys.size === 0) return table;
  const fields = new Map(table.fields);
  const resolving = new Set<string>();
  // The requirement a coordinate carries after inheritance; memoised in `fields`, cycles cut (a cycle adds nothing new).
  const entryOf = (coordinate: string): PolicyEntry | undefined => {
    if (done.has(coordinate) || resolving.has(coordinate)) return fields.get(coordinate);
    resolving.add(coordinate);
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const sources: PolicySource[] = [];
    // Its own @requires, and one on the same field of an interface it implements (an @interfaceObject's field
    // is the interface's in the supergraph; the set is read on the interface, every implementation counted).
    const type = schema.getType(typeName);
    const owners = [typeName, ...(isObjectType(type) ? type.getInterfaces().map((iface) => iface.name) : [])];
    for (const owner of owners) {
      const requires = joins.requires.get(`${owner}.${fieldName}`);
      if (requires === undefined) continue;
      for (const required of fieldsOfSet(schema, owner, requires)) {
        const inherited = required === coordinate ? undefined : entryOf(required);
        if (inherited !== undefined) sources.push(inheritedSource('requires', required, inherited));
      }
    }
    // A field reached only through keys with protected fields: every subgraph serving it is reached by a
    // key whose fields the planner must fetch first. A key's own fields are reached without it.
    const byGraph = joins.servedBy(typeName, fieldName).map((graph) => {
      const keySources: PolicySource[] = [];
      for (const key of joins.keys.get(`${typeName}@${graph}`) ?? []) {
        const keyFields = fieldsOfSet(schema, typeName, key);
        if (keyFields.includes(coordinate)) return [];
        for (const keyField of keyFields) {
          const inherited = entryOf(keyField);
          if (inherited !== undefined) keySources.push(inheritedSource('key', keyField, inherited));
        }
      }
      return keySources;
    });
    if (byGraph.length > 0 && byGraph.every((keySources) => keySources.length > 0)) sources.push(...byGraph.flat());
    resolving.delete(coordinate);
    done.add(coordinate);
    const own = table.fields.get(coordinate);
    if (sources.length === 0) return own;
    const all = [...(own?.sources ?? []), ...sources];
    let requirement = own?.requirement ?? sources[0]!.requirement;
    for (const source of own === undefined ? sources.slice(1) : sources) requirement = combine(table.ladder, requirement, source.requirement);
    const entry: PolicyEntry = Object.freeze({ coordinate, requirement, sources: Object.freeze(all) });
    fields.set(coordinate, entry);
    return entry;
  };
  const done = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.keys(type.getFields())) entryOf(`${type.name}.${field}`);
  }
  return Object.freeze({ ...table, fields });
}

function inheritedSource(kind: 'requires' | 'key', coordinate: string, entry: PolicyEntry): PolicySource {
  const maxAgeFromLadder = entry.sources.some((source) => source.maxAgeFromLadder && source.requirement.maxAge === entry.requirement.maxAge);
  return Object.freeze({ kind, coordinate, requirement: entry.requirement, maxAgeFromLadder });
}

/**
 * The object-field coordinates a field set (`"owner { email } id"`) selects on `typeName`, nested ones
 * included; on an interface, the same field of every implementation (the planner may fetch any).
 */
export function fieldsOfSet(schema: GraphQLSchema, typeName: string, fieldSet: string): string[] {
  let selectionSet: SelectionSetNode;
  try {
    selectionSet = (parse(`{ ${fieldSet} }`, { noLocation: true }).definitions[0] as { selectionSet: SelectionSetNode }).selectionSet;
  } catch {
    return [];
  }
  const found: string[] = [];
  visitSelectedFields(schema, schema.getType(typeName), selectionSet, (coordinate) => void found.push(coordinate));
  return found;
}
