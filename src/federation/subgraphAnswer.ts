import type { SubgraphChallenge } from './subgraphChallenge.js';
import type { SubgraphHttpAnswer } from './subgraphHttp.js';
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
  readonly warn: (message: string) => void;
  /** Where a challenge is noted, whether or not the executor keeps its error. */
  readonly challenged: SubgraphChallenge[];
  /** Told of an entity the subgraph answered `null` without an error: what the caller's non-null fields need is missing. */
  readonly missingEntity?: (() => void) | undefined;
}

/**
 * Hands the executor what the gateway lets through of a subgraph's JSON answer (read whole and within its
 * bound by `subgraphHttp.ts`): `data`, and `errors` on the allow-list (`maskError`). Anything that is not a
 * GraphQL answer fails here, where the subgraph is known, as a `SubgraphFetchError`.
 */
export function shapedAnswer(answer: SubgraphHttpAnswer, options: AnswerOptions): Response {
  const { status, statusText } = answer;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    throw new SubgraphFetchError(options.name, 'SUBGRAPH_BAD_RESPONSE', `${options.url} answered HTTP ${status} with a body that is not JSON`);
  }
  const { data, errors } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { data?: unknown; errors?: unknown };
  const hasErrors = Array.isArray(errors) && errors.length > 0;
  if ((data === undefined || data === null || typeof data !== 'object') && !hasErrors) {
    throw new SubgraphFetchError(options.name, 'SUBGRAPH_BAD_RESPONSE', `${options.url} answered HTTP ${status} with neither data nor errors`);
  }
  if (!hasErrors && options.missingEntity !== undefined && (data as { _entities?: unknown })._entities instanceof Array) {
    if ((data as { _entities: unknown[] })._entities.includes(null)) options.missingEntity();
  }
  // Its top-level `extensions` (tracing, debug) are the subgraph's business, never the caller's. An answer
  // without errors is handed over parsed: @graphql-tools/executor-http takes a `text()` that is not a string
  // as the result itself, which spares writing the JSON again and parsing it a third time. Errors go as
  // text, so that the executor makes its GraphQLErrors of them as it does of any answer.
  const shaped = hasErrors ? JSON.stringify({ data, errors: errors.map((error: unknown) => maskError(error, options)) }) : { data };
  return executorResponse(status, statusText, shaped);
}

/**
 * What @graphql-tools/executor-http reads of a response, and nothing else: its status, `content-type` and
 * `text()` (a string, or the result itself). A WHATWG `Response` of its own costs ten times more.
 */
export function executorResponse(status: number, statusText: string, text: string | object): Response {
  return { status, statusText, ok: status >= 200 && status < 300, headers: JSON_HEADERS, text: () => Promise.resolve(text) } as unknown as Response;
}

/** Read only (the executor asks for `content-type`), so one instance serves every answer. */
const JSON_HEADERS = new Headers({ 'content-type': 'application/json' });

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
