import { StepUpNotSatisfied } from './errors.js';
import type { StepUpRequest } from './stepUpRequest.js';

export interface SatisfiedOptions {
  /** Seconds since the epoch when the step-up started (its authorization request was built). */
  readonly startedAt: number;
  /** Seconds since the epoch, now. */
  readonly now: number;
  /** Seconds of clock difference tolerated between the browser and the provider. */
  readonly clockSkew: number;
}

/**
 * Checks that the ID token of a step-up says what was asked before anything is replayed (OIDC Core
 * §3.1.2.1, §2): its `acr` is one of the requested `acr_values`, its `auth_time` within `max_age`, and,
 * for a forced login, after the step-up started. A provider that answered from its session, or below the
 * asked level, would otherwise earn the same challenge again: throws `StepUpNotSatisfied` instead.
 */
export function assertStepUpSatisfied(
  requested: Omit<StepUpRequest, 'operations'>,
  claims: { acr?: unknown; auth_time?: unknown },
  options: SatisfiedOptions,
): void {
  const { acr, auth_time: authTime } = claims;
  if (requested.acrValues !== undefined && requested.acrValues.length > 0 && (typeof acr !== 'string' || !requested.acrValues.includes(acr))) {
    const got = typeof acr === 'string' ? `"${acr}"` : 'no acr';
    throw new StepUpNotSatisfied(
      `The provider answered with ${got}, not one of ${requested.acrValues.map((value) => `"${value}"`).join(', ')}`,
      requested,
      claims,
    );
  }
  if (requested.maxAge === undefined && !requested.forceLogin) return;
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) {
    throw new StepUpNotSatisfied('The provider did not say when the user authenticated (no auth_time)', requested, claims);
  }
  if (requested.maxAge !== undefined && authTime + requested.maxAge < options.now - options.clockSkew) {
    throw new StepUpNotSatisfied(`The user authenticated ${options.now - authTime} s ago, more than the ${requested.maxAge} s asked`, requested, claims);
  }
  if (requested.forceLogin && authTime < options.startedAt - options.clockSkew) {
    throw new StepUpNotSatisfied('The provider did not ask the user to log in again (auth_time is before the step-up)', requested, claims);
  }
}
