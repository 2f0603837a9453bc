import type { PendingOperation } from './stepUpRequest.js';

/** A request whose body is buffered, so that it can be sent twice: before and after a step-up. */
export interface Replayable {
  readonly url: string | URL;
  /** Everything but the headers and the body, as the caller gave it (signal, credentials, mode, …). */
  readonly init: RequestInit;
  /** Without `Authorization`: each attempt sets its own. */
  readonly headers: Headers;
  readonly body: string | ArrayBuffer | undefined;
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|graphql|x-www-form-urlencoded)\b)/i;

function isRequest(input: unknown): input is Request {
  return typeof input === 'object' && input !== null && !(input instanceof URL) && typeof (input as Request).clone === 'function';
}

/** A string stays a string; anything else is read once into bytes, keeping the content type it implies (a form's boundary). */
async function buffer(body: RequestInit['body'], headers: Headers): Promise<string | ArrayBuffer | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  const wrapped = new Response(body);
  const type = wrapped.headers.get('content-type');
  if (type !== null && !headers.has('content-type')) headers.set('content-type', type);
  return TEXTUAL.test(type ?? '') ? wrapped.text() : wrapped.arrayBuffer();
}

/** Buffers the body of what a caller handed to `fetch`, before the first attempt. */
export async function toReplayable(input: string | URL | Request, init: RequestInit = {}): Promise<Replayable> {
  if (isRequest(input)) {
    const request = new Request(input, init);
    const { method, credentials, mode, redirect, referrer, referrerPolicy, integrity, keepalive, signal } = request;
    const headers = new Headers(request.headers);
    const body = request.body === null ? undefined : TEXTUAL.test(headers.get('content-type') ?? '') ? await request.text() : await request.arrayBuffer();
    headers.delete('authorization');
    return { url: request.url, init: { method, credentials, mode, redirect, referrer, referrerPolicy, integrity, keepalive, signal }, headers, body };
  }
  const { headers: given, body: unbuffered, ...rest } = init;
  const headers = new Headers(given);
  const body = await buffer(unbuffered, headers);
  headers.delete('authorization');
  return { url: input, init: rest, headers, body };
}

/** Sends it once, with this access token (RFC 6750 §2.1) or none, and the gateway's transaction ticket when it gave one. */
export function send(
  fetch: (input: string | URL, init: RequestInit) => Promise<Response>,
  request: Replayable,
  token: string | undefined,
  ticket?: string,
): Promise<Response> {
  const headers = new Headers(request.headers);
  if (token !== undefined && token !== '') headers.set('authorization', `Bearer ${token}`);
  if (ticket !== undefined) headers.set('step-up-ticket', ticket);
  return fetch(request.url, { ...request.init, headers, body: request.body });
}

/** What redirect mode saves: method, URL, headers (never `Authorization`) and body. */
export function pendingOf(request: Replayable): PendingOperation {
  const method = (request.init.method ?? 'GET').toUpperCase();
  const base = { url: String(request.url), method, headers: [...request.headers.entries()] };
  return request.body === undefined ? base : { ...base, body: request.body };
}
