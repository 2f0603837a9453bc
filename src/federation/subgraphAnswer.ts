import type { SubgraphChallenge } from './subgraphChallenge.js';
import { SubgraphFetchError } from './upstream.js';

/** Bytes one subgraph answer may have when its config sets no `maxResponseBytes`: 10 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** The codes a subgraph's error keeps, with its message: the caller's own mistakes and refusals (README "When a subgraph fails"). */
const VERBATIM = new Set(['BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND']);
/** Challenges the gateway rebuilds from its own ladder and policy table (`subgraphChallenge.ts`): only the code is kept. */
export const CHALLENGE_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'STEP_UP_REQUIRED', 'STEP_UP_IMPOSSIBLE']);

export const SUBGRAPH_ERROR_MESSAGE = 'A service this answer needs failed';
const CHALLENGE_MESSAGE = 'A service this answer needs asked for another authentication';
/** Enough of an upstream message for the log, not a subgraph's whole dump. */
const LOGGED_MESSAGE_CHARS = 500;

interface AnswerOptions {
  readonly name: string;
  readonly url: string;
  readonly maxBytes: number;
  /** The request's timeout: it covers reading the body too, not just the headers. */
  readonly signal: AbortSignal;
  readonly warn: (message: string) => void;
  /** Where a challenge is noted, whether or not the executor keeps its error. */
  readonly challenged: SubgraphChallenge[];
  /** Told of an entity the subgraph answered `null` without an error: what the caller's non-null fields need is missing. */
  readonly missingEntity?: (() => void) | undefined;
}

/**
 * Reads a subgraph's JSON answer whole, within its size bound and its timeout, and hands the executor a
 * `Response` of what the gateway lets through: `data`, and `errors` on the allow-list (`maskError`).
 * Anything that is not a GraphQL answer fails here, where the subgraph is known, as a `SubgraphFetchError`.
 */
export async function boundedAnswer(response: Response, options: AnswerOptions): Promise<Response> {
  const text = await readBounded(response, options);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new SubgraphFetchError(options.name, 'SUBGRAPH_BAD_RESPONSE', `${options.url} answered HTTP ${response.status} with a body that is not JSON`);
  }
  const { data, errors } = (typeof answer === 'object' && answer !== null ? answer : {}) as { data?: unknown; errors?: unknown };
  const hasErrors = Array.isArray(errors) && errors.length > 0;
  if ((data === undefined || data === null || typeof data !== 'object') && !hasErrors) {
    throw new SubgraphFetchError(options.name, 'SUBGRAPH_BAD_RESPONSE', `${options.url} answered HTTP ${response.status} with neither data nor errors`);
  }
  if (!hasErrors && options.missingEntity !== undefined && (data as { _entities?: unknown })._entities instanceof Array) {
    if ((data as { _entities: unknown[] })._entities.includes(null)) options.missingEntity();
  }
  // Its top-level `extensions` (tracing, debug) are the subgraph's business, never the caller's. An answer
  // without errors is handed over parsed: @graphql-tools/executor-http takes a `text()` that is not a string
  // as the result itself, which spares writing the JSON again and parsing it a third time. Errors go as
  // text, so that the executor makes its GraphQLErrors of them as it does of any answer.
  const shaped = hasErrors ? JSON.stringify({ data, errors: errors.map((error: unknown) => maskError(error, options)) }) : { data };
  // What the executor reads of a response, and nothing else: a `Response` of its own costs ten times more.
  const status = response.status;
  const statusText = response.statusText;
  return { status, statusText, ok: response.ok, headers: JSON_HEADERS, text: () => Promise.resolve(shaped) } as unknown as Response;
}

/** Read only (the executor asks for `content-type`), so one instance serves every answer. */
const JSON_HEADERS = new Headers({ 'content-type': 'application/json' });

async function readBounded(response: Response, options: AnswerOptions): Promise<string> {
  const { name, url, maxBytes, signal } = options;
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(options);
  }
  // A declared length without a content coding bounds what node:http hands over: read it whole. A
  // compressed or chunked body is counted as it comes, decoded (a small gzip can inflate without bound).
  const coding = response.headers.get('content-encoding');
  if (!Number.isSafeInteger(declared) || (coding !== null && coding !== 'identity')) return new TextDecoder().decode(await readStream(response, options));
  let text: string;
  try {
    text = await untilAborted(response.text(), signal);
  } catch (error) {
    if (signal.aborted) throw timedOut(options);
    throw new SubgraphFetchError(name, 'SUBGRAPH_UNAVAILABLE', `${url}: the answer was cut (${causeOf(error)})`);
  }
  if (Buffer.byteLength(text) < declared) throw new SubgraphFetchError(name, 'SUBGRAPH_UNAVAILABLE', `${url}: the answer was cut before its ${declared} bytes`);
  return text;
}

const tooLarge = ({ name, url, maxBytes }: AnswerOptions) =>
  new SubgraphFetchError(name, 'SUBGRAPH_BAD_RESPONSE', `${url} answered more than ${maxBytes} bytes`);
const timedOut = ({ name, url }: AnswerOptions) => new SubgraphFetchError(name, 'SUBGRAPH_TIMEOUT', `${url} did not finish its answer in time`);
const causeOf = (error: unknown) => (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;

/** `work`, or a rejection once `signal` aborts: a body that stops coming must not hold the request. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stop);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(error);
      },
    );
  });
}

async function readStream(response: Response, options: AnswerOptions): Promise<Uint8Array> {
  const { name, url, maxBytes, signal } = options;
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  // The fetch's signal may not reach a body already streaming: cancelling ends the pending read.
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        if (signal.aborted) throw timedOut(options);
        throw new SubgraphFetchError(name, 'SUBGRAPH_UNAVAILABLE', `${url}: the answer was cut after ${size} bytes (${causeOf(error)})`);
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBytes) {
        // Stop reading: the rest is never buffered, and the connection is not reused.
        void reader.cancel().catch(() => {});
        throw tooLarge(options);
      }
      chunks.push(next.value);
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (signal.aborted) throw timedOut(options);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * The allow-list: a subgraph error keeps `message`, `path`, `locations` and `extensions.code`, and gets
 * `extensions.service`; nothing else passes (`originalError`, `debug`, `stacktrace`, other extensions).
 * Only the codes in `VERBATIM` keep their message; a challenge keeps its code for the gateway to rebuild;
 * any other error (INTERNAL_SERVER_ERROR, no code, a code of the subgraph's own) becomes SUBGRAPH_ERROR
 * and its text goes to the log only: upstream messages name hosts and addresses.
 */
function maskError(error: unknown, { name, warn, challenged }: AnswerOptions): Record<string, unknown> {
  const given = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    path?: unknown;
    locations?: unknown;
    extensions?: { code?: unknown };
  };
  const message = typeof given.message === 'string' ? given.message : '';
  const code = typeof given.extensions?.code === 'string' ? given.extensions.code : undefined;
  const path =
    Array.isArray(given.path) && given.path.every((key) => typeof key === 'string' || Number.isSafeInteger(key))
      ? (given.path as Array<string | number>)
      : undefined;
  const locations =
    Array.isArray(given.locations) && given.locations.every(isLocation) ? given.locations.map(({ line, column }) => ({ line, column })) : undefined;
  const where = { ...(path === undefined ? {} : { path }), ...(locations === undefined ? {} : { locations }) };
  if (code !== undefined && VERBATIM.has(code)) return { message, ...where, extensions: { code, service: name } };
  if (code !== undefined && CHALLENGE_CODES.has(code)) {
    challenged.push({ service: name, code, path: path ?? [] });
    return { message: CHALLENGE_MESSAGE, ...where, extensions: { code, service: name } };
  }
  warn(`subgraph "${name}": ${code ?? 'an error without a code'} at ${path?.join('.') ?? '(no path)'}: ${message.slice(0, LOGGED_MESSAGE_CHARS)}`);
  return { message: SUBGRAPH_ERROR_MESSAGE, ...where, extensions: { code: 'SUBGRAPH_ERROR', service: name } };
}

function isLocation(value: unknown): value is { line: number; column: number } {
  const { line, column } = (typeof value === 'object' && value !== null ? value : {}) as { line?: unknown; column?: unknown };
  return Number.isSafeInteger(line) && Number.isSafeInteger(column);
}
