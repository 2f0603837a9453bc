import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { Ladder } from '../stepup/ladder.js';
import { combine, requirementOf, type Requirement, type RequirementArguments } from '../stepup/requirement.js';

export const DIRECTIVE_NAME = 'isAuthenticated';

/** Where part of a coordinate's requirement comes from. */
export interface PolicySource {
  /**
   * `field`: the directive on the field itself; `interface`: on the same field of an interface the type
   * implements; `type`: on the field's parent type; `return`: on the object type the field returns.
   */
  readonly kind: 'field' | 'interface' | 'type' | 'return';
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
  const named = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));

  for (const type of named) {
    if (isObjectType(type)) {
      const source = directiveSource(type, type.name, 'type', ladder);
      if (source !== undefined) types.set(type.name, entryOf(ladder, type.name, [source]));
    } else if (isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const source = directiveSource(field, coordinate, 'interface', ladder);
        if (source !== undefined) interfaceFields.set(coordinate, entryOf(ladder, coordinate, [source]));
      }
    }
  }

  for (const type of named) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const sources: PolicySource[] = [];
      const own = directiveSource(field, coordinate, 'field', ladder);
      if (own !== undefined) sources.push(own);
      for (const iface of type.getInterfaces()) {
        const inherited = interfaceFields.get(`${iface.name}.${field.name}`);
        if (inherited !== undefined) sources.push(inherited.sources[0]!);
      }
      const parent = types.get(type.name);
      if (parent !== undefined) sources.push({ ...parent.sources[0]!, kind: 'type' });
      const returned = types.get(getNamedType(field.type).name);
      if (returned !== undefined) sources.push({ ...returned.sources[0]!, kind: 'return' });
      if (sources.length > 0) fields.set(coordinate, entryOf(ladder, coordinate, sources));
    }
  }

  // A type directive protects every field returning the type "however reached": through an
  // interface or union the concrete type is known only at run time, so the abstract type carries
  // the strictest requirement of what it may turn out to be.
  for (const type of named) {
    if (!isAbstractType(type)) continue;
    const sources = schema
      .getPossibleTypes(type)
      .flatMap((possible) => types.get(possible.name)?.sources ?? []);
    if (sources.length > 0) abstractTypes.set(type.name, entryOf(ladder, type.name, sources));
  }

  return Object.freeze({ ladder, fields, types, abstractTypes, interfaceFields });
}

function entryOf(ladder: Ladder, coordinate: string, sources: readonly PolicySource[]): PolicyEntry {
  let requirement = sources[0]!.requirement;
  for (const source of sources.slice(1)) requirement = combine(ladder, requirement, source.requirement);
  return Object.freeze({ coordinate, requirement, sources: Object.freeze([...sources]) });
}

type Annotated = Pick<GraphQLNamedType | GraphQLField<unknown, unknown>, 'astNode'> & {
  readonly extensionASTNodes?: ReadonlyArray<{ readonly directives?: ReadonlyArray<ConstDirectiveNode> | undefined }>;
};

/** Reads `@isAuthenticated` from a type or field's SDL, including `extend type` nodes. */
function directiveSource(
  element: Annotated,
  coordinate: string,
  kind: PolicySource['kind'],
  ladder: Ladder,
): PolicySource | undefined {
  const nodes = [element.astNode, ...(element.extensionASTNodes ?? [])];
  const directive = nodes
    .flatMap((node) => node?.directives ?? [])
    .find((node) => node.name.value === DIRECTIVE_NAME);
  if (directive === undefined) return undefined;
  const args: { acrValue?: string; maxAge?: number; once?: boolean; ifCannotReauthenticate?: 'REFUSE' | 'ALLOW' } = {};
  try {
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
    const requirement = requirementOf(ladder, args as RequirementArguments);
    return Object.freeze({ kind, coordinate, requirement, maxAgeFromLadder: args.maxAge === undefined && requirement.maxAge !== undefined });
  } catch (error) {
    throw new TypeError(`@${DIRECTIVE_NAME} on ${coordinate}: ${(error as Error).message}`);
  }
}
