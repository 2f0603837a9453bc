import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { gatewayError, type ErrorCode } from '../graphql/errors.js';

export type Body =
  | { readonly kind: 'read'; readonly value: unknown }
  | { readonly kind: 'refused'; readonly status: number; readonly message: string; readonly headers: Readonly<Record<string, string>> };

/**
 * Reads a request body up to a limit; JSON bodies are parsed, others handed on as text. Rejects when the
 * request fails or closes before its end (the client went away).
 *
 * Listeners rather than `for await`: the stream's async iterator sets up `finished`, listeners of its own
 * and a promise per chunk, for a body that is one chunk in nearly every request. The listeners stay: once
 * the promise is settled, what they do changes nothing.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    // `undefined` once the promise is settled.
    let chunks: Buffer[] | undefined = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (chunks === undefined) return;
      size += chunk.length;
      if (size > maxBytes) {
        // The rest of the body is read and dropped, never used, so the connection cannot carry another
        // request: close it after the answer, or the client's next request on it would wait for ever
        // (RFC 9110 §15.5.14).
        chunks = undefined;
        resolve({ kind: 'refused', status: 413, message: `The request body is larger than ${maxBytes} bytes`, headers: { connection: 'close' } });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (chunks === undefined) return;
      // A throw in a listener would end the process: it rejects instead, and becomes a 500.
      try {
        resolve(bodyOf(req, chunks, size));
      } catch (error) {
        reject(error);
      }
      chunks = undefined;
    });
    req.on('error', reject);
    // After 'end' too (the stream is destroyed once read): only an Error made for nothing would cost here.
    req.on('close', () => {
      if (chunks !== undefined) reject(new Error('the request closed before its body ended'));
    });
  });
}

const JSON_TYPE = /^application\/(graphql-response\+)?json\b/i;

function bodyOf(req: IncomingMessage, chunks: readonly Buffer[], size: number): Body {
  if (size === 0) return { kind: 'read', value: undefined };
  const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) return { kind: 'read', value: text };
  try {
    return { kind: 'read', value: JSON.parse(text) };
  } catch {
    return { kind: 'refused', status: 400, message: 'The request body is not valid JSON', headers: {} };
  }
}

/**
 * The search (`''` or `?…`) of a request target that is plainly `/graphql`, or `undefined` for any other
 * target, which `requestUrl` then parses: the target of nearly every request needs no URL parser. The query
 * may hold only characters the URL parser keeps as they are (WHATWG URL, special-query percent-encode set),
 * so the search is the same as `requestUrl(target).search`.
 */
export function graphqlSearch(target: string | undefined): string | undefined {
  if (target === '/graphql') return '';
  if (target === undefined || !GRAPHQL_TARGET.test(target)) return undefined;
  // `/graphql?` has an empty query, whose search is `''` (WHATWG URL, the search getter).
  return target.length > 9 ? target.slice(8) : '';
}

const GRAPHQL_TARGET = /^\/graphql\?[\w\-.~!$&()*+,;=:@/?%]*$/;

/** The request target as a URL, or `undefined` when it cannot be one (`//[/`, `http://a:99999/`); never throws. */
export function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://gateway');
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

/** A GraphQL-shaped refusal made outside Apollo: one error, no `data` key. */
export function sendErrors(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Readonly<Record<string, string>> = {}): void {
  const error: GraphQLFormattedError = gatewayError(code, message).toJSON();
  sendJson(res, status, { errors: [error] }, headers);
}

/** The request as Apollo Server's `executeHTTPGraphQLRequest` takes it. */
export function graphQLRequestOf(req: IncomingMessage, method: string, search: string, body: unknown): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { method, headers, search, body };
}

/** Writes Apollo Server's answer: a complete one at once, a streamed one chunk by chunk (the promise). */
export function sendGraphQLResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> | undefined {
  for (const [name, value] of response.headers) {
    // `Vary: Origin` set for CORS stays beside whatever Apollo's answer varies on.
    const earlier = name === 'vary' ? res.getHeader('vary') : undefined;
    res.setHeader(name, earlier === undefined ? value : `${String(earlier)}, ${value}`);
  }
  // Answers depend on the caller's token and hold personal data: no cache, shared or private, keeps one.
  res.setHeader('cache-control', 'no-store');
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return undefined;
  }
  return streamBody(res, response.body.asyncIterator);
}

async function streamBody(res: ServerResponse, chunks: AsyncIterableIterator<string>): Promise<void> {
  for await (const chunk of chunks) res.write(chunk);
  res.end();
}
