import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  defaultTypeResolver,
  GraphQLError,
  GraphQLInterfaceType,
  GraphQLUnionType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql';
import type { StepUpContext, StepUpState } from './context.js';
import { approvalFor } from '../stepup/approval.js';
import { canonicalJson } from '../stepup/canonicalJson.js';
import { approvalError, checkRequirement, consumedError, note, stateUnavailableError } from './enforce.js';
import type { PolicyEntry, PolicyTable } from './policyTable.js';

/**
 * The resolve-time layer of enforcement: every protected field checks the caller again before its
 * resolver runs, and every interface or union checks the concrete type it resolves to. Whatever path
 * an operation takes (aliases, fragments, interfaces, unions, nested types), a protected value is
 * never produced for a caller who does not meet its requirement. graphql-js nulls the refused field
 * and keeps the rest: partial results for queries.
 */
export function applyStepUpGuards(schema: GraphQLSchema, table: PolicyTable): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD](fieldConfig, fieldName, typeName) {
      const entry = table.fields.get(`${typeName}.${fieldName}`);
      if (entry === undefined) return fieldConfig;
      const guarded = { ...fieldConfig, resolve: guardedResolver(table, entry, fieldConfig.resolve) };
      return fieldConfig.subscribe === undefined ? guarded : { ...guarded, subscribe: guardedSubscribe(table, entry, fieldConfig.subscribe) };
    },
    [MapperKind.ABSTRACT_TYPE](type) {
      if (!table.abstractTypes.has(type.name)) return type;
      const resolveType = guardedTypeResolver(table, type.resolveType);
      return isInterfaceType(type) ? new GraphQLInterfaceType({ ...type.toConfig(), resolveType }) : new GraphQLUnionType({ ...type.toConfig(), resolveType });
    },
  });
}

/**
 * The same guards, put on `schema` itself rather than on a copy: for a schema whose planner keeps state
 * about its own types and fields (a stitched supergraph), which a copy would not share. The schema must
 * be this caller's own, built for it.
 */
export function guardSchemaInPlace(schema: GraphQLSchema, table: PolicyTable): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const entry = table.fields.get(`${type.name}.${field.name}`);
        if (entry === undefined) continue;
        field.resolve = guardedResolver(table, entry, field.resolve);
        if (field.subscribe !== undefined) field.subscribe = guardedSubscribe(table, entry, field.subscribe);
      }
    } else if ((isInterfaceType(type) || isUnionType(type)) && table.abstractTypes.has(type.name)) {
      type.resolveType = guardedTypeResolver(table, type.resolveType);
    }
  }
  return schema;
}

function guardedResolver(
  table: PolicyTable,
  entry: PolicyEntry,
  resolver: GraphQLFieldResolver<unknown, unknown> | undefined,
): GraphQLFieldResolver<unknown, unknown> {
  const resolve = resolver ?? defaultFieldResolver;
  const guarded: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
    const refusal = refusalFor(table, context, entry) ?? unapproved(table, context, entry, args, info);
    if (refusal !== undefined) throw refusal;
    if (entry.requirement.once !== true) return resolve(source, args, context, info);
    return claimOnce(table, (context as StepUpContext).stepUp, entry).then(() => resolve(source, args, context, info));
  };
  // The stitching planner reads a field whose resolver is named defaultMergedResolver as answered by the
  // subgraph as it is, and plans it without extra key fields; the guard keeps the name of what it guards.
  return Object.defineProperty(guarded, 'name', { value: resolve.name });
}

/** A protected subscription field opens no source stream for a caller who does not meet it (graphql-js CreateSourceEventStream). */
function guardedSubscribe(table: PolicyTable, entry: PolicyEntry, subscribe: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) => {
    const refusal = refusalFor(table, context, entry);
    if (refusal !== undefined) throw refusal;
    return subscribe(source, args, context, info);
  };
}

function guardedTypeResolver(table: PolicyTable, resolver: GraphQLTypeResolver<unknown, unknown> | undefined | null): GraphQLTypeResolver<unknown, unknown> {
  const resolveType: GraphQLTypeResolver<unknown, unknown> = resolver ?? defaultTypeResolver;
  return (value, context, info, abstractType) => {
    const check = (typeName: string | undefined): string | undefined => {
      const entry = typeName === undefined ? undefined : table.types.get(typeName);
      const refusal = entry && refusalFor(table, context, entry);
      if (refusal !== undefined) throw refusal;
      return typeName;
    };
    const resolved = resolveType(value, context, info, abstractType);
    return typeof resolved === 'string' || resolved === undefined ? check(resolved) : resolved.then(check);
  };
}

/**
 * A `once` field uses a claim taken before execution (mutations, persisted operations), or takes its
 * own; a claim that fails refuses the field, and a store out of reach refuses it too.
 */
async function claimOnce(table: PolicyTable, state: StepUpState, entry: PolicyEntry): Promise<void> {
  const pre = state.preclaimed.get(entry.coordinate) ?? 0;
  if (pre > 0) {
    state.preclaimed.set(entry.coordinate, pre - 1);
    return;
  }
  if (state.ledger === undefined || state.caller.kind !== 'principal') throw stateUnavailableError();
  let claimed: boolean;
  try {
    claimed = await state.ledger.claim(state.caller.principal, entry.coordinate, entry.requirement, state.now);
  } catch {
    throw stateUnavailableError();
  }
  if (!claimed) throw consumedError(table.ladder, state, entry.requirement, { coordinate: entry.coordinate });
  note(state, entry.coordinate, entry.requirement, 'ALLOWED');
}

function refusalFor(table: PolicyTable, context: unknown, entry: PolicyEntry): GraphQLError | undefined {
  const state = (context as Partial<StepUpContext> | undefined)?.stepUp;
  // Fail closed: a server wired without the step-up context resolves no protected field.
  if (state === undefined) {
    return new GraphQLError(`${entry.coordinate} is protected, but the request has no step-up context`);
  }
  // graphql-js locates the thrown error at the field's path (and list index).
  return checkRequirement(table.ladder, state as StepUpState, entry.requirement, { coordinate: entry.coordinate });
}

/**
 * A call whose step-up is bound to its arguments runs only with the approval consumed for it before execution
 * equal to what these arguments, as resolved, need; it takes that approval, so one approval serves one call. Anything else is refused: a server
 * wired without the pre-execution check, or arguments that are not what was approved.
 */
function unapproved(
  table: PolicyTable,
  context: unknown,
  entry: PolicyEntry,
  args: Record<string, unknown>,
  info: GraphQLResolveInfo,
): GraphQLError | undefined {
  const binding = table.approvals.get(entry.coordinate);
  if (binding === undefined || info.path.prev !== undefined) return undefined;
  const state = (context as StepUpContext).stepUp;
  const needed = approvalFor(binding, entry.coordinate, args);
  const wanted = canonicalJson(needed);
  const index = state.approved?.findIndex((approved) => canonicalJson(approved) === wanted) ?? -1;
  if (index >= 0) {
    state.approved!.splice(index, 1);
    return undefined;
  }
  return approvalError(table.ladder, state, entry.requirement, needed, false, { coordinate: entry.coordinate });
}
