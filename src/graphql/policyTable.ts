import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isAbstractType,
  isEnumType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  Kind,
  type ConstDirectiveNode,
  type ConstValueNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { ApprovalBinding } from '../stepup/approval.js';
import type { Ladder } from '../stepup/ladder.js';
import { combine, requirementOf, type Requirement, type RequirementArguments } from '../stepup/requirement.js';

export const DIRECTIVE_NAME = 'isAuthenticated';

/** Where part of a coordinate's requirement comes from. */
export interface PolicySource {
  /**
   * `field`: the directive on the field itself; `interface`: on the same field of an interface the type
   * implements; `type`: on the field's parent type; `return`: on the object type the field returns.
   * In a supergraph, inherited from what the planner fetches for the field (`federation/inheritedPolicy.ts`):
   * `requires`: a field its `@requires` selects; `key`: a field of the key its subgraph resolves the entity by.
   */
  readonly kind: 'field' | 'interface' | 'type' | 'return' | 'requires' | 'key';
  /** The coordinate that carries the directive (`User.email`, `PaymentMethod`). */
  readonly coordinate: string;
  readonly requirement: Requirement;
  /** Whether the max age is the level's default on the ladder rather than written on the directive. */
  readonly maxAgeFromLadder: boolean;
}

export interface PolicyEntry {
  readonly coordinate: string;
  /** The stricter combination of every source. */
  readonly requirement: Requirement;
  readonly sources: readonly PolicySource[];
}

/**
 * The one policy table: read once from the schema at start-up. The resolve-time guard, the
 * pre-execution analysis and the reviewer tooling all read it; none reads directives itself.
 */
export interface PolicyTable {
  readonly ladder: Ladder;
  /** Object fields (`Type.field`) that need an authentication. */
  readonly fields: ReadonlyMap<string, PolicyEntry>;
  /** Object types that carry the directive. */
  readonly types: ReadonlyMap<string, PolicyEntry>;
  /** Interfaces and unions: the strictest requirement of the object types they may resolve to. */
  readonly abstractTypes: ReadonlyMap<string, PolicyEntry>;
  /** Interface fields that carry the directive; every implementation inherits it. */
  readonly interfaceFields: ReadonlyMap<string, PolicyEntry>;
  /** Mutation fields whose step-up is bound to their arguments (`binds`, `approvalType`): each call needs its own approval. */
  readonly approvals: ReadonlyMap<string, ApprovalBinding>;
}

/**
 * Builds the policy table. Throws a `TypeError` naming the schema coordinate when a directive
 * names a level the ladder does not have or carries a max age that is not a non-negative integer.
 */
export function buildPolicyTable(schema: GraphQLSchema, ladder: Ladder): PolicyTable {
  const types = new Map<string, PolicyEntry>();
  const fields = new Map<string, PolicyEntry>();
  const abstractTypes = new Map<string, PolicyEntry>();
  const interfaceFields = new Map<string, PolicyEntry>();
  // Apollo Router also puts its directives on interfaces, scalars and enums: every field returning one is
  // protected by it (fail closed), though the type itself is not an object type of the table.
  const otherTypes = new Map<string, PolicySource>();
  const named = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));

  for (const type of named) {
    if (isObjectType(type)) {
      const source = directiveSource(type, type.name, 'type', ladder);
      if (source !== undefined) types.set(type.name, entryOf(ladder, type.name, [source]));
    } else if (isInterfaceType(type) || isScalarType(type) || isEnumType(type)) {
      const source = directiveSource(type, type.name, 'type', ladder);
      if (source !== undefined) otherTypes.set(type.name, source);
    }
    if (isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const source = directiveSource(field, coordinate, 'interface', ladder);
        if (source !== undefined) interfaceFields.set(coordinate, entryOf(ladder, coordinate, [source]));
      }
    }
  }

  const approvals = new Map<string, ApprovalBinding>();
  for (const type of named) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const binding = approvalBindingOf(schema, type, field, coordinate);
      if (binding !== undefined) approvals.set(coordinate, binding);
      const sources: PolicySource[] = [];
      const own = directiveSource(field, coordinate, 'field', ladder);
      if (own !== undefined) sources.push(own);
      for (const iface of type.getInterfaces()) {
        const inherited = interfaceFields.get(`${iface.name}.${field.name}`);
        if (inherited !== undefined) sources.push(inherited.sources[0]!);
      }
      const parent = types.get(type.name);
      if (parent !== undefined) sources.push({ ...parent.sources[0]!, kind: 'type' });
      const returnedName = getNamedType(field.type).name;
      const returned = types.get(returnedName)?.sources[0] ?? otherTypes.get(returnedName);
      if (returned !== undefined) sources.push({ ...returned, kind: 'return' });
      if (sources.length > 0) fields.set(coordinate, entryOf(ladder, coordinate, sources));
    }
  }

  // A type directive protects every field returning the type "however reached": through an
  // interface or union the concrete type is known only at run time, so the abstract type carries
  // the strictest requirement of what it may turn out to be.
  for (const type of named) {
    if (!isAbstractType(type)) continue;
    const own = otherTypes.get(type.name);
    const sources = [...(own === undefined ? [] : [own]), ...schema.getPossibleTypes(type).flatMap((possible) => types.get(possible.name)?.sources ?? [])];
    if (sources.length > 0) abstractTypes.set(type.name, entryOf(ladder, type.name, sources));
  }

  for (const type of named) {
    if (isObjectType(type) && bindingArguments(type).binds !== undefined)
      throw new TypeError(`@${DIRECTIVE_NAME} on ${type.name}: "binds" goes on a mutation field, not a type`);
  }
  return Object.freeze({ ladder, fields, types, abstractTypes, interfaceFields, approvals });
}

function entryOf(ladder: Ladder, coordinate: string, sources: readonly PolicySource[]): PolicyEntry {
  let requirement = sources[0]!.requirement;
  for (const source of sources.slice(1)) requirement = combine(ladder, requirement, source.requirement);
  return Object.freeze({ coordinate, requirement, sources: Object.freeze([...sources]) });
}

type Annotated = Pick<GraphQLNamedType | GraphQLField<unknown, unknown>, 'astNode'> & {
  readonly extensionASTNodes?: ReadonlyArray<{ readonly directives?: ReadonlyArray<ConstDirectiveNode> | undefined }>;
};

/** Apollo Router's `@authenticated`: any valid token. */
export const ROUTER_AUTHENTICATED = 'authenticated';
/** Apollo Router's `@requiresScopes(scopes: [[String!]!]!)`: an OR of ANDs over the token's granted scopes. */
export const ROUTER_REQUIRES_SCOPES = 'requiresScopes';

/**
 * Which policy directive a directive name is. `@link(url: "…/federation/v2.5", import: [...])` may leave
 * Apollo's directives under their own names or rename them (`@federation__requiresScopes` when not imported),
 * so a name ending in `__authenticated` or `__requiresScopes` counts too.
 */
function policyDirectiveOf(name: string): 'isAuthenticated' | 'authenticated' | 'requiresScopes' | undefined {
  if (name === DIRECTIVE_NAME) return 'isAuthenticated';
  if (name === ROUTER_AUTHENTICATED || name.endsWith(`__${ROUTER_AUTHENTICATED}`)) return 'authenticated';
  if (name === ROUTER_REQUIRES_SCOPES || name.endsWith(`__${ROUTER_REQUIRES_SCOPES}`)) return 'requiresScopes';
  return undefined;
}

/**
 * Reads the policy directives of a type or field's SDL, including `extend type` nodes: `@isAuthenticated`,
 * and Apollo Router's `@authenticated` and `@requiresScopes`, so that a supergraph written for the Router
 * keeps its policy. Several of them on one element (or one twice, as composing `@shareable` fields may
 * leave it) combine to the strictest.
 */
function directiveSource(element: Annotated, coordinate: string, kind: PolicySource['kind'], ladder: Ladder): PolicySource | undefined {
  const nodes = [element.astNode, ...(element.extensionASTNodes ?? [])];
  const read: Array<{ requirement: Requirement; maxAgeFromLadder: boolean }> = [];
  for (const directive of nodes.flatMap((node) => node?.directives ?? [])) {
    const which = policyDirectiveOf(directive.name.value);
    if (which === undefined) continue;
    try {
      if (which === 'isAuthenticated') {
        const args = isAuthenticatedArguments(directive);
        const requirement = requirementOf(ladder, args);
        read.push({ requirement, maxAgeFromLadder: args.maxAge === undefined && requirement.maxAge !== undefined });
      } else {
        const args: RequirementArguments = which === 'authenticated' ? {} : { scopes: scopesArgument(directive) };
        read.push({ requirement: requirementOf(ladder, args), maxAgeFromLadder: false });
      }
    } catch (error) {
      throw new TypeError(`@${directive.name.value} on ${coordinate}: ${(error as Error).message}`);
    }
  }
  if (read.length === 0) return undefined;
  const requirement = read.slice(1).reduce((stricter, next) => combine(ladder, stricter, next.requirement), read[0]!.requirement);
  // The max age "comes from the ladder" when every directive that sets it got it there.
  const setters = read.filter((one) => one.requirement.maxAge === requirement.maxAge);
  const maxAgeFromLadder = requirement.maxAge !== undefined && setters.every((one) => one.maxAgeFromLadder);
  return Object.freeze({ kind, coordinate, requirement, maxAgeFromLadder });
}

function isAuthenticatedArguments(directive: ConstDirectiveNode): RequirementArguments {
  const args: { acrValue?: string; maxAge?: number; once?: boolean; ifCannotReauthenticate?: 'REFUSE' | 'ALLOW' } = {};
  for (const argument of directive.arguments ?? []) {
    const { value } = argument;
    if (value.kind === Kind.NULL) continue;
    if (argument.name.value === 'acrValue') {
      if (value.kind !== Kind.ENUM && value.kind !== Kind.STRING) throw new TypeError('"acrValue" must name a level');
      args.acrValue = value.value;
    } else if (argument.name.value === 'maxAge') {
      if (value.kind !== Kind.INT) throw new TypeError('"maxAge" must be an integer of seconds');
      args.maxAge = Number(value.value);
    } else if (argument.name.value === 'once') {
      if (value.kind !== Kind.BOOLEAN) throw new TypeError('"once" must be true or false');
      args.once = value.value;
    } else if (argument.name.value === 'ifCannotReauthenticate') {
      if (value.kind !== Kind.ENUM || (value.value !== 'REFUSE' && value.value !== 'ALLOW')) {
        throw new TypeError('"ifCannotReauthenticate" must be REFUSE or ALLOW');
      }
      args.ifCannotReauthenticate = value.value;
    }
  }
  return args;
}

/**
 * The `scopes` of `@requiresScopes`, coerced as GraphQL coerces a `[[String!]!]!` input (GraphQL spec §3.11,
 * List input coercion): a lone string is a list of one, so `scopes: "a"` is `[["a"]]` and `scopes: ["a", "b"]`
 * is `[["a"], ["b"]]` ("a" or "b"). A missing or null `scopes` is a mistake in the schema, not "no scope".
 */
function scopesArgument(directive: ConstDirectiveNode): string[][] {
  const value = directive.arguments?.find((argument) => argument.name.value === 'scopes')?.value;
  const mistake = () => new TypeError('"scopes" must be a list of lists of scopes, e.g. [["read:repo", "write:repo"], ["admin"]]');
  const scopeOf = (node: ConstValueNode): string => {
    if (node.kind !== Kind.STRING) throw mistake();
    return node.value;
  };
  const setOf = (node: ConstValueNode): string[] => (node.kind === Kind.LIST ? node.values.map(scopeOf) : [scopeOf(node)]);
  if (value === undefined || value.kind === Kind.NULL) throw mistake();
  return value.kind === Kind.LIST ? value.values.map(setOf) : [setOf(value)];
}

/** `binds` and `approvalType` as written on the element's `@isAuthenticated` directives. */
function bindingArguments(element: Annotated): { binds?: readonly string[]; approvalType?: string } {
  const found: { binds?: readonly string[]; approvalType?: string } = {};
  const nodes = [element.astNode, ...(element.extensionASTNodes ?? [])];
  for (const directive of nodes.flatMap((node) => node?.directives ?? [])) {
    if (directive.name.value !== DIRECTIVE_NAME) continue;
    for (const argument of directive.arguments ?? []) {
      const { value } = argument;
      if (value.kind === Kind.NULL) continue;
      if (argument.name.value === 'binds') {
        const paths = value.kind === Kind.LIST ? value.values : [value];
        found.binds = paths.map((path) => {
          if (path.kind !== Kind.STRING) throw new TypeError('"binds" must list argument paths as strings');
          return path.value;
        });
      } else if (argument.name.value === 'approvalType') {
        if (value.kind !== Kind.STRING) throw new TypeError('"approvalType" must be a string');
        found.approvalType = value.value;
      }
    }
  }
  return found;
}

/**
 * A mutation field's approval binding: every path names an argument, or a field of an input object
 * argument (`input.amount`), never into a list; `approvalType` goes with `binds`. Throws a `TypeError`
 * naming the coordinate for anything else, at start-up.
 */
function approvalBindingOf(
  schema: GraphQLSchema,
  parent: GraphQLNamedType,
  field: GraphQLField<unknown, unknown>,
  coordinate: string,
): ApprovalBinding | undefined {
  let written: ReturnType<typeof bindingArguments>;
  try {
    written = bindingArguments(field);
  } catch (error) {
    throw new TypeError(`@${DIRECTIVE_NAME} on ${coordinate}: ${(error as Error).message}`);
  }
  const { binds, approvalType } = written;
  if (binds === undefined && approvalType === undefined) return undefined;
  const mistake = (message: string) => new TypeError(`@${DIRECTIVE_NAME} on ${coordinate}: ${message}`);
  if (parent !== schema.getMutationType()) throw mistake('"binds" binds a mutation\'s call; this field is not on the mutation type');
  if (binds === undefined || binds.length === 0) throw mistake('"approvalType" needs "binds": the arguments an approval names');
  if (approvalType === undefined || approvalType.trim() === '') throw mistake('"binds" needs "approvalType": the authorization_details type of an approval');
  for (const path of binds) {
    const [first, ...rest] = path.split('.');
    let type: GraphQLInputType | undefined = field.args.find((argument) => argument.name === first)?.type;
    if (type === undefined) throw mistake(`"binds" names ${JSON.stringify(path)}, but the field has no argument "${first}"`);
    for (const name of rest) {
      const object: GraphQLInputType = getNullableType(type);
      if (!isInputObjectType(object)) throw mistake(`"binds" names ${JSON.stringify(path)}, which goes into something that is not an input object`);
      type = object.getFields()[name]?.type;
      if (type === undefined) throw mistake(`"binds" names ${JSON.stringify(path)}, but ${object.name} has no field "${name}"`);
    }
  }
  return Object.freeze({ type: approvalType, arguments: Object.freeze([...new Set(binds)]) });
}
