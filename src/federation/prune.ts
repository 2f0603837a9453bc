import { MapperKind, mapSchema, pathToArray } from '@graphql-tools/utils';
import {
  execute,
  getOperationAST,
  GraphQLError,
  GraphQLInterfaceType,
  GraphQLUnionType,
  isAbstractType,
  isNonNullType,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { PolicyEntry, PolicyTable } from '../graphql/policyTable.js';

/**
 * Removing refused selections before the planner sees the operation, so that a refused field never
 * reaches a subgraph, then answering the caller's operation as written.
 *
 *   operation ─inline─▶ one operation, no named fragments, protected interface selections per type
 *             ─prune──▶ refused fields removed (an emptied selection gets `__typename`)
 *   execute(stitched schema, pruned)              the subgraph fetches: only what is allowed
 *   execute(shape schema, operation, upstream)    the caller's shape: `null` and an error at each
 *                                                 refused path, non-null fields bubbling as usual
 */

/** Whether the caller meets a protected selection's requirement. */
export type Decide = (entry: PolicyEntry) => boolean;

export interface Pruned {
  readonly document: DocumentNode;
  /** The refused selections' entries, by `<parent type>@<response path without list indices>`. */
  readonly refusals: ReadonlyMap<string, PolicyEntry>;
  /** Protected coordinates the operation keeps: the requirements it met. */
  readonly passed: ReadonlyMap<string, PolicyEntry>;
}

/** The protected entries an operation may select, in a fixed order: what its pruning depends on. */
export function protectedEntries(schema: GraphQLSchema, table: PolicyTable, document: DocumentNode): PolicyEntry[] {
  const typeInfo = new TypeInfo(schema);
  const entries = new Set<PolicyEntry>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent === null || !isObjectType(parent)) return;
        const entry = table.fields.get(`${parent.name}.${node.name.value}`);
        if (entry !== undefined) entries.add(entry);
      },
    }),
  );
  return [...entries];
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/**
 * One operation of `document` with its fragment spreads inlined (each keeps its `@skip`/`@include`),
 * and every field selected on an interface or union that some possible type protects split into one
 * inline fragment per possible type: then a decision is per concrete type and per response path.
 */
export function inlineOperation(schema: GraphQLSchema, table: PolicyTable, document: DocumentNode, operationName: string | null | undefined): DocumentNode {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) throw new GraphQLError('The operation to execute cannot be found');
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const typeInfo = new TypeInfo(schema);
  const inline = <T extends OperationDefinitionNode | SelectionSetNode>(node: T, spreading: ReadonlySet<string>): T =>
    visit(node, {
      FragmentSpread(spread): InlineFragmentNode | null {
        const fragment = fragments.get(spread.name.value);
        // Validation has refused unknown fragments and cycles; this keeps the walk finite regardless.
        if (fragment === undefined || spreading.has(fragment.name.value)) return null;
        return {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          directives: spread.directives,
          selectionSet: inline(fragment.selectionSet, new Set(spreading).add(fragment.name.value)),
        };
      },
    });
  const inlined: OperationDefinitionNode = inline<OperationDefinitionNode>(operation as OperationDefinitionNode, new Set());
  const split = visit(
    inlined,
    visitWithTypeInfo(typeInfo, {
      SelectionSet(node) {
        const parent = typeInfo.getParentType();
        if (parent === null || !isAbstractType(parent)) return undefined;
        const possible = schema.getPossibleTypes(parent);
        const direct = node.selections.filter((selection): selection is FieldNode => selection.kind === Kind.FIELD && !selection.name.value.startsWith('__'));
        const protectedSomewhere = direct.some((field) =>
          possible.some((type) => table.fields.has(`${type.name}.${field.name.value}`) || table.types.has(type.name)),
        );
        if (!protectedSomewhere) return undefined;
        const rest = node.selections.filter((selection) => !direct.includes(selection as FieldNode));
        const perType: SelectionNode[] = possible.map((type) => ({
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: type.name } },
          selectionSet: { kind: Kind.SELECTION_SET, selections: direct },
        }));
        return { ...node, selections: [...rest, ...perType] };
      },
    }),
  );
  return { kind: Kind.DOCUMENT, definitions: [split as OperationDefinitionNode] };
}

/**
 * Removes each protected field `decide` refuses from a document made by {@link inlineOperation}. With
 * `reshaped` (the answer is reshaped whatever is refused), what reshaping needs is added even when nothing is.
 */
export function prune(schema: GraphQLSchema, table: PolicyTable, document: DocumentNode, decide: Decide, reshaped = false): Pruned {
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  const refusals = new Map<string, PolicyEntry>();
  const passed = new Map<string, PolicyEntry>();
  const pruned = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node) {
          const key = node.alias?.value ?? node.name.value;
          const parent = typeInfo.getParentType();
          if (parent !== null && isObjectType(parent) && !node.name.value.startsWith('__')) {
            const entry = table.fields.get(`${parent.name}.${node.name.value}`);
            if (entry !== undefined) {
              if (!decide(entry)) {
                const where = `${parent.name}@${[...path, key].join('.')}`;
                if (!refusals.has(where)) refusals.set(where, entry);
                // Deleted with its subtree: nothing under a refused field is asked for.
                return null;
              }
              passed.set(entry.coordinate, entry);
            }
          }
          path.push(key);
          return undefined;
        },
        leave() {
          path.pop();
        },
      },
      InlineFragment: {
        // A fragment left with only the `__typename` added below goes: the planner cannot send
        // `{ ... on User { __typename } }` (it builds an empty subgraph request); `{ __typename }` it can.
        leave(node) {
          return node.selectionSet.selections.length === 1 && node.selectionSet.selections[0] === TYPENAME ? null : undefined;
        },
      },
      SelectionSet: {
        leave(node) {
          const parent = typeInfo.getParentType();
          const hasTypename = node.selections.some(
            (selection) => selection.kind === Kind.FIELD && selection.name.value === '__typename' && selection.alias === undefined,
          );
          // An emptied selection stays valid with `__typename`; an abstract one needs it to be reshaped.
          if (!hasTypename && (node.selections.length === 0 || (parent !== null && isAbstractType(parent)))) {
            return { ...node, selections: [...node.selections, TYPENAME] };
          }
          return undefined;
        },
      },
    }),
  );
  // Nothing refused and nothing to reshape: the operation goes upstream as it is inlined, with nothing added.
  return { document: refusals.size === 0 && !reshaped ? document : pruned, refusals, passed };
}

/**
 * Whether an upstream error has no path, or lies at, above or below `path`: a completion error there only
 * repeats it. Field names are compared, not list indices: the plan executor locates the error of an entity
 * fetch at the list's path (`reviews.author`), not at each item.
 */
function explained(path: readonly (string | number)[], upstream: readonly (readonly (string | number)[])[]): boolean {
  const names = path.filter((key) => typeof key === 'string');
  return upstream.some((at) => {
    const theirs = at.filter((key) => typeof key === 'string');
    return (
      theirs.length === 0 ||
      names.slice(0, theirs.length).every((key, index) => theirs[index] === key) ||
      theirs.slice(0, names.length).every((key, index) => names[index] === key)
    );
  });
}

/** A copy of `schema` with no resolvers, to reshape upstream data with the caller's operation. */
export function buildShapeSchema(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config) => ({ ...config, resolve: undefined, subscribe: undefined }),
    [MapperKind.INTERFACE_TYPE]: (type) => new GraphQLInterfaceType({ ...type.toConfig(), resolveType: undefined }),
    [MapperKind.UNION_TYPE]: (type) => new GraphQLUnionType({ ...type.toConfig(), resolveType: undefined }),
  });
}

function pathKey(path: { readonly prev: unknown; readonly key: string | number } | undefined, parent: GraphQLObjectType): string {
  const keys: string[] = [];
  for (let at = path; at !== undefined; at = at.prev as typeof path) if (typeof at.key === 'string') keys.unshift(at.key);
  return `${parent.name}@${keys.join('.')}`;
}

/**
 * The caller's answer: `operation` (as the caller wrote it) run over the upstream data, with `null` and
 * the refusal's error at each refused path it reaches (`refuse` makes it, once per path; a field that
 * `@skip` or `@include` leaves out is never reached, so it is never refused). Upstream errors keep their
 * paths, which are the operation's.
 */
export async function reshape(options: {
  readonly shapeSchema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName: string | null | undefined;
  readonly variableValues: Readonly<Record<string, unknown>> | undefined;
  readonly upstream: ExecutionResult;
  readonly refusals: ReadonlyMap<string, PolicyEntry>;
  /** The planned operation left out members of a partial union (`unionReach.ts`): their fields are `null`. */
  readonly narrowed?: boolean | undefined;
  /**
   * Complete the upstream data as graphql-js completes values, even with nothing refused: the plan executor's
   * (`queryPlanner.ts`) may keep `null` where the schema says non-null once a fetch failed or an entity is
   * missing. A non-null violation is then an error only where no upstream error already explains it.
   */
  readonly complete?: boolean | undefined;
  readonly refuse: (entry: PolicyEntry) => GraphQLError;
}): Promise<ExecutionResult> {
  const { upstream, refusals } = options;
  const complete = options.complete === true;
  if ((refusals.size === 0 && options.narrowed !== true && !complete) || upstream.data === null || upstream.data === undefined) return upstream;
  const located: GraphQLError[] = [];
  const made = new Map<string, GraphQLError>();
  const fieldResolver: GraphQLFieldResolver<Record<string, unknown> | null, unknown> = (source, _args, _context, info) => {
    if (refusals.size === 0) return source?.[info.path.key as string];
    const where = pathKey(info.path, info.parentType);
    const entry = refusals.get(where);
    if (entry === undefined) return source?.[info.path.key as string];
    let refusal = made.get(where);
    if (refusal === undefined) made.set(where, (refusal = options.refuse(entry)));
    const error = new GraphQLError(refusal.message, { path: pathToArray(info.path), nodes: info.fieldNodes, extensions: refusal.extensions });
    // A non-null field cannot be null: thrown, graphql-js nulls its nearest nullable ancestor.
    if (isNonNullType(info.returnType)) throw error;
    located.push(error);
    return null;
  };
  const shaped = await execute({
    schema: options.shapeSchema,
    document: options.document,
    operationName: options.operationName ?? undefined,
    variableValues: options.variableValues,
    rootValue: upstream.data,
    fieldResolver,
  });
  const upstreamPaths = complete ? (upstream.errors ?? []).map((error) => error.path ?? []) : [];
  const thrown = (shaped.errors ?? [])
    .filter((error) => !(error.originalError !== undefined && !(error.originalError instanceof GraphQLError) && explained(error.path ?? [], upstreamPaths)))
    .map((error) =>
      error.originalError instanceof GraphQLError
        ? new GraphQLError(error.originalError.message, { path: error.path, nodes: error.nodes, extensions: error.originalError.extensions })
        : error,
    );
  const errors = [...(upstream.errors ?? []), ...located, ...thrown];
  return { data: shaped.data, ...(errors.length > 0 ? { errors } : {}), ...(upstream.extensions === undefined ? {} : { extensions: upstream.extensions }) };
}
