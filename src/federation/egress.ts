import { getNamedType, isObjectType, Kind, parse, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema } from 'graphql';
import type { PolicyEntry, PolicyTable } from '../graphql/policyTable.js';
import { visitSelectedFields } from './selections.js';
import type { SubgraphRequest } from './txnToken.js';

/**
 * The last line of defence before a subgraph request leaves the gateway, independent of the planner: every
 * protected field the outgoing document selects (`_entities` fragments and `@requires` selections included)
 * and every protected field whose value the request carries in its `representations` must be one the caller
 * is allowed. Pruning should have made this impossible; a request that fails it is a gateway bug, and it is
 * not sent.
 */
export type EgressCheck = (request: SubgraphRequest, allowed: (entry: PolicyEntry) => boolean) => PolicyEntry | undefined;

/** Distinct outgoing documents remembered with the protected entries they select. */
const MAX_DOCUMENTS = 2_000;

export function createEgressCheck(schema: GraphQLSchema, table: PolicyTable): EgressCheck {
  // The executor sends the same text for the same plan: each document is walked once.
  const selected = new Map<string, readonly PolicyEntry[]>();
  return (request, allowed) => {
    const query = request.query ?? '';
    let entries = selected.get(query);
    if (entries === undefined) {
      entries = protectedSelections(schema, table, query);
      if (selected.size >= MAX_DOCUMENTS) selected.delete(selected.keys().next().value!);
      selected.set(query, entries);
    }
    for (const entry of entries) if (entry === UNREADABLE || !allowed(entry)) return entry;
    const representations = request.variables?.['representations'];
    if (!Array.isArray(representations)) return undefined;
    for (const representation of representations) {
      const refused = carriedRefusal(schema, table, representation, undefined, allowed);
      if (refused !== undefined) return refused;
    }
    return undefined;
  };
}

/**
 * The protected entries a subgraph document selects. A document that does not parse selects nothing the
 * gateway could check: it fails closed as a protected selection of its own (the fetch is not sent).
 */
export function protectedSelections(schema: GraphQLSchema, table: PolicyTable, query: string): readonly PolicyEntry[] {
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return [UNREADABLE];
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const found = new Set<PolicyEntry>();
  const note = (coordinate: string): void => {
    const entry = table.fields.get(coordinate);
    if (entry !== undefined) found.add(entry);
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root =
      definition.operation === 'query' ? schema.getQueryType() : definition.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    // Deeper than the walk goes, not everything was checked: fail closed.
    if (!visitSelectedFields(schema, root, definition.selectionSet, note, { fragments })) found.add(UNREADABLE);
  }
  return [...found];
}

/** The first protected field whose value a representation carries and the caller may not have. */
function carriedRefusal(
  schema: GraphQLSchema,
  table: PolicyTable,
  value: unknown,
  typeName: string | undefined,
  allowed: (entry: PolicyEntry) => boolean,
): PolicyEntry | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const refused = carriedRefusal(schema, table, item, typeName, allowed);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const name = typeof record['__typename'] === 'string' ? record['__typename'] : typeName;
  const type = name === undefined ? undefined : schema.getType(name);
  if (!isObjectType(type)) return undefined;
  for (const [key, inner] of Object.entries(record)) {
    if (key === '__typename') continue;
    const entry = table.fields.get(`${type.name}.${key}`);
    if (entry !== undefined && !allowed(entry)) return entry;
    const field = type.getFields()[key];
    if (field !== undefined && inner !== null && typeof inner === 'object') {
      const refused = carriedRefusal(schema, table, inner, getNamedType(field.type).name, allowed);
      if (refused !== undefined) return refused;
    }
  }
  return undefined;
}

/** What an unreadable document stands for: nothing may be sent that the gateway could not check. */
export const UNREADABLE: PolicyEntry = Object.freeze({
  coordinate: '(an unreadable subgraph document)',
  requirement: Object.freeze({}),
  sources: Object.freeze([]),
});
