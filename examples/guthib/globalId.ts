/** Global IDs are `<Type>:<key>`, readable on purpose: `Repository:1`, `User:alice`. */
export type NodeType = 'User' | 'Repository' | 'PaymentMethod';

const NODE_TYPES: ReadonlySet<string> = new Set<NodeType>(['User', 'Repository', 'PaymentMethod']);

export function globalId(type: NodeType, key: string): string {
  return `${type}:${key}`;
}

/** The type and key of a global ID, or `undefined` when it is not one. */
export function parseGlobalId(id: string): { readonly type: NodeType; readonly key: string } | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0 || colon === id.length - 1) return undefined;
  const type = id.slice(0, colon);
  return NODE_TYPES.has(type) ? { type: type as NodeType, key: id.slice(colon + 1) } : undefined;
}
