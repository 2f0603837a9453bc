import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { gatewayError, type ErrorCode } from '../graphql/errors.js';

export type Body =
  | { readonly kind: 'read'; readonly value: unknown }
  | { readonly kind: 'refused'; readonly status: number; readonly message: string; readonly headers: Readonly<Record<string, string>> };

/** Reads a request body up to a limit; JSON bodies are parsed, others handed on as text. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      // The rest of the body is never read, so the connection cannot carry another request: close it
      // after the answer, or the client's next request on it would wait for ever (RFC 9110 §15.5.14).
      req.resume();
      return { kind: 'refused', status: 413, message: `The request body is larger than ${maxBytes} bytes`, headers: { connection: 'close' } };
    }
    chunks.push(chunk);
  }
  if (size === 0) return { kind: 'read', value: undefined };
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(type)) return { kind: 'read', value: text };
  try {
    return { kind: 'read', value: JSON.parse(text) };
  } catch {
    return { kind: 'refused', status: 400, message: 'The request body is not valid JSON', headers: {} };
  }
}

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

/** Writes Apollo Server's answer, complete or streamed. */
export async function sendGraphQLResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of response.headers) res.setHeader(name, value);
  // Answers depend on the caller's token and hold personal data: no cache, shared or private, keeps one.
  res.setHeader('cache-control', 'no-store');
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
