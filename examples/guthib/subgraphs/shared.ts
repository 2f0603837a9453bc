import { parseGlobalId, type NodeType } from '../globalId.js';

/**
 * Resolvers taken from the single-server example (`../resolvers.ts`), each required: a subgraph
 * that left a field to the default resolver by mistake would answer wrongly instead of failing, so a
 * missing one stops the subgraph at start-up and names the coordinate.
 */
export function shared<T extends object, K extends keyof T & string>(
  type: string,
  map: T | undefined,
  fields: readonly K[],
): { [P in K]-?: NonNullable<T[P]> } {
  const picked = {} as { [P in K]-?: NonNullable<T[P]> };
  for (const field of fields) {
    const resolver = map?.[field];
    if (resolver === undefined || resolver === null) throw new TypeError(`the GutHib resolvers have no ${type}.${field} to share with a subgraph`);
    picked[field] = resolver as NonNullable<T[K]>;
  }
  return picked;
}

/**
 * The key in an entity representation's global `id` (`{ __typename: "User", id: "User:alice" }` → `alice`),
 * or `undefined` when the id is not one of `type`: such a representation resolves to `null`.
 */
export function keyOf(reference: { readonly id?: unknown }, type: NodeType): string | undefined {
  if (typeof reference.id !== 'string') return undefined;
  const parsed = parseGlobalId(reference.id);
  return parsed?.type === type ? parsed.key : undefined;
}
