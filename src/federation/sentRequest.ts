import type { SubgraphRequest } from './txnToken.js';

/**
 * The GraphQL request in a body the executor is about to send (`{ query, operationName?, variables? }` as
 * JSON), for the digest its transaction token carries. Undefined for anything else (a stream, a form, a
 * body that is not such an object): that request is not sent, since its token could not name what it carries.
 */
export function sentRequest(body: unknown): SubgraphRequest | undefined {
  if (typeof body !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { query, operationName, variables } = parsed as Record<string, unknown>;
  if (typeof query !== 'string') return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  return { query, operationName: operationName as string | null | undefined, variables: variables as Record<string, unknown> | null | undefined };
}
