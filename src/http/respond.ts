import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { gatewayError, type ErrorCode } from '../graphql/errors.js';

export type Body = { readonly kind: 'read'; readonly value: unknown } | { readonly kind: 'refused'; readonly status: number; readonly message: string };

/** Reads a request body up to a limit; JSON bodies are parsed, others handed on as text. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      return { kind: 'refused', status: 413, message: `The request body is larger than ${maxBytes} bytes` };
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
    return { kind: 'refused', status: 400, message: 'The request body is not valid JSON' };
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

/** A GraphQL-shaped refusal made outside Apollo: one error, no `data` key. */
export function sendErrors(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
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
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
