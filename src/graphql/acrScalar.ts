import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import type { Ladder } from '../stepup/ladder.js';

/**
 * `ACRValue`: the name of a level on the configured ladder. Written bare in SDL
 * (`acrValue: HIGH`, an enum-like literal) or as a string.
 */
export function createACRValueScalar(ladder: Ladder): GraphQLScalarType<string, string> {
  const check = (value: unknown): string => {
    if (typeof value === 'string' && ladder.byName.has(value)) return value;
    const known = ladder.levels.map((level) => level.name).join(', ');
    throw new TypeError(`ACRValue must be one of ${known}`);
  };
  return new GraphQLScalarType<string, string>({
    name: 'ACRValue',
    description: 'A level of the ACR ladder, by name.',
    specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc9470#section-3',
    serialize: check,
    parseValue: check,
    parseLiteral(node: ValueNode) {
      if (node.kind === Kind.ENUM || node.kind === Kind.STRING) return check(node.value);
      return check(undefined);
    },
  });
}
