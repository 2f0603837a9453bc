import type { StepUpRequest } from './stepUpRequest.js';

/**
 * Why a step-up did not produce a token the client may retry with. Apps branch on `code`; the codes never
 * change meaning.
 */
export type StepUpErrorCode =
  /** The provider answered, but the ID token's `acr` or `auth_time` is not what was asked: nothing is replayed. */
  | 'STEP_UP_NOT_SATISFIED'
  /** The user closed the popup, or the provider answered with an error (`access_denied`, `login_required`, …). */
  | 'STEP_UP_CANCELLED'
  /** `window.open` returned nothing: the browser blocked the popup (open it from a click, see `beforePopup`). */
  | 'POPUP_BLOCKED';

export class StepUpError extends Error {
  readonly code: StepUpErrorCode;

  constructor(code: StepUpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The provider authenticated the user, but not as the gateway asked (OIDC Core §3.1.2.1: a provider may
 * answer below the requested `acr_values`, or from an older session despite `max_age`). Replaying would
 * only earn the same challenge again, so nothing is replayed.
 */
export class StepUpNotSatisfied extends StepUpError {
  /** What the step-up asked for. */
  readonly requested: Omit<StepUpRequest, 'operations'>;
  /** The ID token's `acr`, if any. */
  readonly acr: string | undefined;
  /** The ID token's `auth_time` (seconds since the epoch), if any. */
  readonly authTime: number | undefined;

  constructor(message: string, requested: Omit<StepUpRequest, 'operations'>, claims: { acr?: unknown; auth_time?: unknown }) {
    super('STEP_UP_NOT_SATISFIED', message);
    this.requested = requested;
    this.acr = typeof claims.acr === 'string' ? claims.acr : undefined;
    this.authTime = typeof claims.auth_time === 'number' ? claims.auth_time : undefined;
  }
}
