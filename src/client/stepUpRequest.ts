import { canonicalJson } from '../stepup/canonicalJson.js';

/**
 * One RFC 9396 `authorization_details` object: for the gateway, the approval of one call (`type`, `coordinate`,
 * `arguments`), which the provider shows to the user and puts in the token.
 */
export interface AuthorizationDetail {
  readonly type: string;
  readonly [member: string]: unknown;
}

/** The `fetch` signature the adapters take and return (the platform's own `fetch` fits). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A request waiting for a step-up, as it can be sent again: what redirect mode saves before leaving the
 * page. `Authorization` is never part of it (the replay carries the new token).
 */
export interface PendingOperation {
  readonly url: string;
  readonly method: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The buffered body: a string for GraphQL (JSON), bytes for anything else (not resumable after a redirect). */
  readonly body?: string | ArrayBuffer;
}

/**
 * What the app's `stepUp` is asked to do: obtain a token that meets this, then resolve (RFC 9470 §4: a new
 * authorization request with these `acr_values` and `max_age`).
 */
export interface StepUpRequest {
  /** `sign-in`: the caller was anonymous or its token was refused (`UNAUTHENTICATED`); `step-up`: too weak or too old. */
  readonly kind: 'step-up' | 'sign-in';
  /** Acceptable `acr` values, in order of preference (weakest first, as the gateway lists them); absent: any. */
  readonly acrValues?: readonly string[];
  /** Seconds: the authentication must be at most this old. */
  readonly maxAge?: number;
  /** The level as the schema writes it (`HIGH`), for messages. */
  readonly requiredAcr?: string;
  /**
   * A new login is needed whatever the provider's session says (a used one-time step-up): send
   * `prompt=login` (OIDC Core §3.1.2.1), and expect an `auth_time` after the step-up started.
   */
  readonly forceLogin: boolean;
  /**
   * The approvals to ask for (RFC 9396 `authorization_details`, sent as they came): the provider shows them to
   * the user, and the new token must carry exactly them. Absent when none is asked.
   */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
  /**
   * The operations waiting for this step-up. The array grows while the step-up is pending, as concurrent
   * failures join it: redirect mode saves it just before leaving the page.
   */
  readonly operations: readonly PendingOperation[];
}

/**
 * Does a step-up that asked `done` also satisfy `need`? Then an operation that needs `need` waits for it
 * instead of asking the user again. Every acr `done` may come back with must be acceptable to `need`, its
 * max age no longer (a forced login is fresh by definition), and a forced login is only covered by another.
 */
export function covers(done: Omit<StepUpRequest, 'operations'>, need: Omit<StepUpRequest, 'operations'>): boolean {
  if (need.forceLogin && !done.forceLogin) return false;
  // An approval is of one call: only a step-up that asked for this very object brings it.
  const asked = new Set((done.authorizationDetails ?? []).map(canonicalJson));
  if ((need.authorizationDetails ?? []).some((detail) => !asked.has(canonicalJson(detail)))) return false;
  const wanted = need.acrValues;
  if (wanted !== undefined && (done.acrValues === undefined || !done.acrValues.every((acr) => wanted.includes(acr)))) return false;
  if (need.maxAge !== undefined && !done.forceLogin && (done.maxAge === undefined || done.maxAge > need.maxAge)) return false;
  return true;
}
