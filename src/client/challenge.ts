import { customFetch, protectedResourceRequest, WWWAuthenticateChallengeError, type WWWAuthenticateChallenge } from 'oauth4webapi';
import { base64urlJson } from './approvals.js';
import type { AuthorizationDetail } from './stepUpRequest.js';

/**
 * What a response asks of the caller, read from the response alone:
 * - `step-up`: the token is too weak or too old (`STEP_UP_REQUIRED`, RFC 9470 `insufficient_user_authentication`);
 * - `sign-in`: there was no token, or it was refused (`UNAUTHENTICATED`, RFC 6750 `invalid_token`);
 * - `impossible`: this user cannot step up (`STEP_UP_IMPOSSIBLE`): asking again would loop.
 *
 * A call bound to its arguments (`APPROVAL_REQUIRED`, `insufficient_authorization`) is a `step-up` whose
 * `authorizationDetails` say what the user must approve (RFC 9396); a step-up challenge may carry them too.
 */
export interface StepUpChallenge {
  readonly kind: 'step-up' | 'sign-in' | 'impossible';
  /** Acceptable `acr` values, weakest first (`acr_values`); absent when any will do. */
  readonly acrValues?: readonly string[];
  /** Seconds (`max_age`). */
  readonly maxAge?: number;
  /** The level as the schema writes it (`HIGH`); only the body says it. */
  readonly requiredAcr?: string;
  /** A used one-time step-up: only a new login helps (`once: true`, `prompt: "login"`, `max_age="0"`). */
  readonly forceLogin: boolean;
  /** For humans: `error_description`, or the first error's message. */
  readonly message?: string;
  /**
   * RFC 9396 `authorization_details` the new token must carry: the user's approval of this exact call, from
   * the header's `authorization_remediation` or the body's `authorizationDetails`. Absent when none is asked.
   */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
  /**
   * The gateway's transaction ticket (`transaction_ticket`, `extensions.transactionTicket`), when it offers them:
   * sent back in `Step-Up-Ticket` with the replay, it stands for the approval after a new login, for providers
   * without RFC 9396.
   */
  readonly transactionTicket?: string;
}

interface ErrorLike {
  readonly message?: unknown;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

const PROBE = new URL('https://www-authenticate.invalid/');

/**
 * RFC 7235 §4.1 challenges of a `WWW-Authenticate` value, parsed by oauth4webapi. It keeps its parser
 * private and surfaces it through `protectedResourceRequest`, which throws the parsed challenges as
 * `WWWAuthenticateChallengeError.cause`; the request here never leaves: `customFetch` answers it with a
 * response carrying only the header.
 */
export async function parseWwwAuthenticate(header: string): Promise<readonly WWWAuthenticateChallenge[]> {
  const answer = async () => new Response(null, { status: 401, headers: { 'www-authenticate': header } });
  try {
    await protectedResourceRequest('probe', 'GET', PROBE, undefined, undefined, { [customFetch]: answer });
    return [];
  } catch (error) {
    if (error instanceof WWWAuthenticateChallengeError) return error.cause;
    throw error;
  }
}

/** The `errors` of a GraphQL response body (a batch's too); nothing for anything else. */
function errorsOf(body: unknown): ErrorLike[] {
  if (Array.isArray(body)) return body.flatMap(errorsOf);
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  return Array.isArray(errors) ? errors.filter((error): error is ErrorLike => typeof error === 'object' && error !== null) : [];
}

/** The codes that make a challenge: a body without any of them is not parsed (most answers). */
const CHALLENGE_CODES = /"(STEP_UP_REQUIRED|STEP_UP_IMPOSSIBLE|UNAUTHENTICATED|APPROVAL_REQUIRED)"/;

/** `authorization_remediation`: base64url of `{"authorization_details":[…]}` (draft-zehavi-oauth-rar-metadata). */
function remediationDetails(value: string | undefined): AuthorizationDetail[] | undefined {
  if (value === undefined) return undefined;
  return detailsOf((base64urlJson(value) as { authorization_details?: unknown } | undefined)?.authorization_details);
}

function detailsOf(value: unknown): AuthorizationDetail[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((detail) => detail !== null && typeof detail === 'object' && typeof (detail as { type?: unknown }).type === 'string')
    ? (value as AuthorizationDetail[])
    : undefined;
}

/** The approvals the errors name, each once. */
function bodyDetails(errors: readonly ErrorLike[]): AuthorizationDetail[] | undefined {
  const all = errors.flatMap((error) => detailsOf(error.extensions?.['authorizationDetails']) ?? []);
  const unique = [...new Map(all.map((detail) => [JSON.stringify(detail), detail])).values()];
  return unique.length === 0 ? undefined : unique;
}

async function jsonOf(response: Response): Promise<unknown> {
  if (!/\bjson\b/i.test(response.headers.get('content-type') ?? '') || response.bodyUsed) return undefined;
  try {
    const text = await response.clone().text();
    return CHALLENGE_CODES.test(text) ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const acrList = (value: unknown): string[] | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim().split(/\s+/) : undefined);

/**
 * The strictest requirement among errors of one code, as the gateway's header would say it: the acr values
 * every error accepts (each error lists every level that satisfies it, so the strictest list is the
 * intersection), the smallest max age, and a new login if any error asks one.
 */
function strictest(errors: readonly ErrorLike[]): Omit<StepUpChallenge, 'kind'> {
  const listed = errors.flatMap(({ extensions = {} }) => {
    const acrs = acrList(extensions['acrValues']);
    return acrs === undefined ? [] : [{ acrs, level: typeof extensions['requiredAcr'] === 'string' ? extensions['requiredAcr'] : undefined }];
  });
  const shortest = listed.reduce<(typeof listed)[number] | undefined>(
    (best, one) => (best === undefined || one.acrs.length < best.acrs.length ? one : best),
    undefined,
  );
  const common = shortest?.acrs.filter((acr) => listed.every((one) => one.acrs.includes(acr)));
  const ages = errors.map(({ extensions = {} }) => extensions['maxAge']).filter((age): age is number => Number.isInteger(age) && (age as number) >= 0);
  return {
    // Levels of unrelated ladders share nothing: then the shortest (strictest) list rather than none.
    acrValues: common !== undefined && common.length > 0 ? common : shortest?.acrs,
    requiredAcr: shortest?.level ?? errors.map(({ extensions = {} }) => extensions['requiredAcr']).find((level): level is string => typeof level === 'string'),
    maxAge: ages.length === 0 ? undefined : Math.min(...ages),
    forceLogin: errors.some(({ extensions = {} }) => extensions['once'] === true || extensions['prompt'] === 'login' || extensions['maxAge'] === 0),
    message: typeof errors[0]?.message === 'string' ? errors[0].message : undefined,
  };
}

const withCode = (errors: readonly ErrorLike[], code: string) => errors.filter((error) => error.extensions?.['code'] === code);

/**
 * Recognises a challenge from the response alone: the RFC 9470 header when the browser lets the client read
 * it (cross-origin it must be listed in `Access-Control-Expose-Headers`), the body's `errors[].extensions`
 * otherwise, on a 200 (a query's refused fields) as on a 401 (a refused mutation) or 403. The header holds
 * the strictest unmet requirement of the whole response, so its `acr_values` and `max_age` win; the body
 * adds `requiredAcr` and `once`. `body` is the parsed JSON if the caller already has it; otherwise a clone
 * of the response is read, and the response itself stays unread.
 */
export async function readChallenge(response: Response, body?: unknown): Promise<StepUpChallenge | undefined> {
  const header = response.headers.get('www-authenticate');
  const bearer = header === null ? undefined : (await parseWwwAuthenticate(header)).find((challenge) => challenge.scheme === 'bearer');
  const errors = errorsOf(body === undefined ? await jsonOf(response) : body);
  const error = bearer?.parameters.error;
  const description = bearer?.parameters.error_description;

  // Never a challenge the user can answer: whatever else the response says, asking again would loop.
  const impossible = withCode(errors, 'STEP_UP_IMPOSSIBLE');
  if (impossible.length > 0) return { kind: 'impossible', ...strictest(impossible) };

  const refused = [...withCode(errors, 'STEP_UP_REQUIRED'), ...withCode(errors, 'APPROVAL_REQUIRED')];
  if (error === 'insufficient_user_authentication' || error === 'insufficient_authorization' || refused.length > 0) {
    const fromBody = strictest(refused);
    const headerAcrs = acrList(bearer?.parameters['acr_values']);
    const headerAge = bearer?.parameters['max_age'] === undefined ? undefined : Number(bearer.parameters['max_age']);
    const maxAge = headerAge !== undefined && Number.isInteger(headerAge) && headerAge >= 0 ? headerAge : fromBody.maxAge;
    const sameAcrs = refused.find((one) => one.extensions?.['acrValues'] === headerAcrs?.join(' '))?.extensions?.['requiredAcr'];
    const authorizationDetails = remediationDetails(bearer?.parameters['authorization_remediation']) ?? bodyDetails(refused);
    const ticket =
      bearer?.parameters['transaction_ticket'] ?? refused.map((one) => one.extensions?.['transactionTicket']).find((value) => typeof value === 'string');
    return {
      kind: 'step-up',
      acrValues: headerAcrs ?? fromBody.acrValues,
      maxAge,
      requiredAcr: typeof sameAcrs === 'string' ? sameAcrs : fromBody.requiredAcr,
      // OIDC Core §3.1.2.1: max_age=0 is a new login, as `prompt=login` is.
      forceLogin: fromBody.forceLogin || maxAge === 0,
      message: description ?? fromBody.message,
      ...(authorizationDetails === undefined ? {} : { authorizationDetails }),
      ...(typeof ticket === 'string' ? { transactionTicket: ticket } : {}),
    };
  }

  const unauthenticated = withCode(errors, 'UNAUTHENTICATED');
  const refusedToken = error === 'invalid_token' || (response.status === 401 && bearer !== undefined && error === undefined);
  if (unauthenticated.length > 0 || refusedToken) {
    const { acrValues, maxAge, requiredAcr, message } = strictest(unauthenticated);
    return { kind: 'sign-in', acrValues, maxAge, requiredAcr, forceLogin: false, message: description ?? message };
  }
  return undefined;
}
