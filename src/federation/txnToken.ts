import { createHash } from 'node:crypto';
import { canonicalJson } from '../stepup/canonicalJson.js';

export { canonicalJson };

/**
 * The identity the gateway sends each subgraph request, as an IETF Transaction Token
 * (draft-ietf-oauth-transaction-tokens-10): a JWT typed `txntoken+jwt`, sent in the `Txn-Token`
 * header. It is good for one request: its `txn` is unique, its `req_digest` names the exact document and
 * variables sent with it, its `aud` is the one subgraph it was sent to, and it lives a minute.
 */

/** The header the gateway sends a subgraph's transaction token in (the draft registers `Txn-Token`). */
export const TXN_TOKEN_HEADER = 'txn-token';
/** The JWT `typ` of a transaction token (RFC 8725 §3.11: never taken for an access token, nor one for it). */
export const TXN_TOKEN_TYPE = 'txntoken+jwt';

/** What a subgraph request carries, as Apollo Server and the HTTP body both name it. */
export interface SubgraphRequest {
  readonly query?: string | null | undefined;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

/**
 * `req_digest`: base64url (no padding) of the SHA-256 of the UTF-8 bytes of the JSON Canonicalization
 * Scheme form (RFC 8785) of `{ "operationName": <string or null>, "query": <string>, "variables": <object> }`,
 * an absent or null `operationName` being `null` and absent or null `variables` being `{}`. Both ends compute
 * it from the parsed request, so whitespace, key order and number spelling in the HTTP body do not matter;
 * `extensions` are not covered (they choose no field and no argument).
 */
export function requestDigest(request: SubgraphRequest): string {
  // The three members written in their RFC 8785 order by hand: the same bytes as canonicalJson of the object.
  const canonical = `{"operationName":${JSON.stringify(request.operationName ?? null)},"query":${JSON.stringify(request.query ?? '')},"variables":${canonicalJson(request.variables ?? {})}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}
