import {
  getNamedType,
  getOperationAST,
  isAbstractType,
  isObjectType,
  Kind,
  type GraphQLError,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { StepUpState } from '../graphql/context.js';
import { checkRequirement } from '../graphql/enforce.js';
import { gatewayError } from '../graphql/errors.js';
import type { PolicyTable } from '../graphql/policyTable.js';
import { combine, combineAll, satisfiesAuthentication, type Requirement } from '../stepup/requirement.js';
import { CHALLENGE_CODES, SUBGRAPH_ERROR_MESSAGE } from './subgraphAnswer.js';

/** A challenge a subgraph answered, as the gateway's fetch saw it: even where the executor drops the error (the subgraph gave data too). */
export interface SubgraphChallenge {
  readonly service: string;
  readonly code: string;
  readonly path: ReadonlyArray<string | number>;
}

export interface ChallengeContext {
  readonly table: PolicyTable;
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName: string | null | undefined;
  readonly state: StepUpState;
  readonly warn: (message: string) => void;
}

/**
 * A subgraph that enforces step-up itself answers UNAUTHENTICATED, STEP_UP_REQUIRED or STEP_UP_IMPOSSIBLE
 * (its error reaches here with the code and `service` only, `subgraphAnswer.ts`). The gateway rebuilds
 * the challenge from its own ladder and policy table, so a subgraph cannot choose the `acr_values`,
 * `max_age` or `prompt` the client is told to ask for (RFC 9470 §3):
 *
 * - the requirement is the gateway's for the field at the error's path (the caller's operation, abstract
 *   types at their strictest possibility), when the caller does not meet it;
 * - otherwise (no protected field there, or one the caller meets: the subgraph asks more than the
 *   gateway's policy says) the strictest the ladder can ask: its top level at that level's max age,
 *   combined with the field's own; the disagreement is logged;
 * - a caller who meets even that, or a signed-in caller refused as UNAUTHENTICATED (the subgraph refused
 *   the gateway's identity), gets no challenge at all: no step-up can help, so it is SUBGRAPH_ERROR.
 *
 * Returns the error to answer with, and whether it is a challenge the gateway stands behind.
 */
export function rebuildChallenge(context: ChallengeContext, { service, code, path }: SubgraphChallenge): { error: GraphQLError; challenge: boolean } {
  const { table, state, warn } = context;
  const { ladder } = table;
  const at = path.join('.') || '(no path)';
  const refuse = (why: string) => {
    warn(`subgraph "${service}" answered ${code} at ${at}: ${why}; answered SUBGRAPH_ERROR`);
    return { error: gatewayError('SUBGRAPH_ERROR', SUBGRAPH_ERROR_MESSAGE, { path, extensions: { service } }), challenge: false };
  };
  if (code === 'UNAUTHENTICATED' && state.caller.kind !== 'anonymous') return refuse('the caller is signed in (did it refuse the gateway identity?)');
  const meets = (requirement: Requirement) =>
    state.caller.kind === 'principal' && satisfiesAuthentication(ladder, state.caller.principal, requirement, state.now);
  const own = requirementAtPath(context, path);
  let requirement = own?.requirement;
  if (requirement === undefined || meets(requirement)) {
    const top = ladder.levels.at(-1)!;
    requirement = combine(ladder, requirement ?? {}, { level: top.name, ...(top.maxAge === undefined ? {} : { maxAge: top.maxAge }) });
    warn(
      `subgraph "${service}" asked for a step-up at ${at} beyond the gateway's policy (${own?.coordinate ?? 'no protected field'}): challenged at ${requirement.level}`,
    );
  }
  if (meets(requirement)) return refuse('the caller meets the strictest level of the ladder');
  return { error: checkRequirement(ladder, state, requirement, { path, coordinate: own?.coordinate ?? at })!, challenge: true };
}

/** The upstream errors with each subgraph challenge rebuilt (`rebuildChallenge`); the same array when there is none. */
export function rebuildSubgraphChallenges(context: ChallengeContext, errors: readonly GraphQLError[] | undefined): readonly GraphQLError[] | undefined {
  if (errors === undefined || !errors.some(isSubgraphChallenge)) return errors;
  return errors.map((error) =>
    isSubgraphChallenge(error)
      ? rebuildChallenge(context, { service: error.extensions['service'] as string, code: error.extensions['code'] as string, path: error.path ?? [] }).error
      : error,
  );
}

function isSubgraphChallenge(error: GraphQLError): boolean {
  return typeof error.extensions['service'] === 'string' && CHALLENGE_CODES.has(error.extensions['code'] as string);
}

/**
 * The requirement of the field at `path` in the caller's operation (fragments inlined): every object
 * type the field may be selected on, with the strictest type it may return. Only what authentication
 * asks is kept: a subgraph's challenge is about authentication, never scopes or one-time use.
 */
function requirementAtPath(
  options: ChallengeContext,
  path: ReadonlyArray<string | number>,
): { coordinate: string; requirement: Requirement | undefined } | undefined {
  const { table, schema } = options;
  const operation = getOperationAST(options.document, options.operationName ?? undefined);
  if (!operation) return undefined;
  const root = schema.getRootType(operation.operation);
  if (root === undefined || root === null) return undefined;
  const objectsOf = (type: GraphQLNamedType): readonly GraphQLObjectType[] =>
    isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
  let level: Array<{ set: SelectionSetNode; parents: readonly GraphQLObjectType[] }> = [{ set: operation.selectionSet, parents: [root] }];
  let found: { coordinates: string[]; requirements: Requirement[] } | undefined;
  for (const key of path) {
    if (typeof key === 'number') continue;
    const next: typeof level = [];
    found = { coordinates: [], requirements: [] };
    const visit = (set: SelectionSetNode, parents: readonly GraphQLObjectType[]) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition === undefined ? undefined : schema.getType(selection.typeCondition.name.value);
          const allowed = condition === undefined ? parents : objectsOf(condition);
          visit(
            selection.selectionSet,
            parents.filter((parent) => allowed.includes(parent)),
          );
        } else if (selection.kind === Kind.FIELD && (selection.alias ?? selection.name).value === key) {
          for (const parent of parents) {
            const field = parent.getFields()[selection.name.value];
            if (field === undefined) continue;
            const coordinate = `${parent.name}.${field.name}`;
            found!.coordinates.push(coordinate);
            const returned = getNamedType(field.type);
            for (const entry of [table.fields.get(coordinate), table.types.get(returned.name), table.abstractTypes.get(returned.name)]) {
              if (entry !== undefined) found!.requirements.push(entry.requirement);
            }
            if (selection.selectionSet !== undefined) next.push({ set: selection.selectionSet, parents: objectsOf(returned) });
          }
        }
      }
    };
    for (const { set, parents } of level) visit(set, parents);
    level = next;
  }
  if (found === undefined || found.coordinates.length === 0) return undefined;
  const combined = combineAll(options.table.ladder, found.requirements);
  const requirement =
    combined === undefined
      ? undefined
      : {
          level: combined.level,
          maxAge: combined.maxAge,
          ...(combined.allowIfCannotReauthenticate === true ? { allowIfCannotReauthenticate: true as const } : {}),
        };
  return { coordinate: [...new Set(found.coordinates)].join(' | '), requirement };
}
