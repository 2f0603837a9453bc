import type { GraphQLError } from 'graphql';
import { challengeOf, describeChallenge } from '../stepup/challenge.js';
import { satisfies, type Requirement } from '../stepup/requirement.js';
import type { Ladder } from '../stepup/ladder.js';
import type { StepUpState } from './context.js';
import { gatewayError, type GatewayErrorOptions } from './errors.js';

/**
 * Checks one requirement for the request's caller. Returns the error to report, or `undefined`
 * when the requirement is met; an unmet requirement is also recorded for the response header.
 */
export function checkRequirement(
  ladder: Ladder,
  state: StepUpState,
  requirement: Requirement,
  options: Omit<GatewayErrorOptions, 'extensions'> = {},
): GraphQLError | undefined {
  const { caller } = state;
  if (caller.kind === 'principal' && satisfies(ladder, caller.principal, requirement, state.now)) return undefined;
  const challenge = challengeOf(ladder, requirement);
  if (caller.kind === 'anonymous') {
    state.unmet.push(requirement);
    return gatewayError('UNAUTHENTICATED', 'An access token is required', { ...options, extensions: { ...challenge } });
  }
  // A user who cannot step up gets no challenge they cannot answer: the requirement decides.
  if (caller.principal.claims[state.canReauthenticateClaim] === false) {
    if (requirement.allowIfCannotReauthenticate === true) return undefined;
    return gatewayError('STEP_UP_IMPOSSIBLE', `${describeChallenge(challenge)}, and this user cannot step up`, {
      ...options,
      extensions: { ...challenge },
    });
  }
  state.unmet.push(requirement);
  return gatewayError('STEP_UP_REQUIRED', describeChallenge(challenge), { ...options, extensions: { ...challenge } });
}

/**
 * The error for a one-time step-up that this authentication has already used. Its challenge asks for a
 * new login: followed as it is, the requirement's own challenge (`max_age="300"`) lets the provider
 * answer from its session with the same `auth_time`, which is used too, and the client loops. So the
 * challenge carries `max_age="0"` (RFC 9470 §3; OIDC Core §3.1.2.1: the provider must re-authenticate
 * the user), and the extensions say why (`once: true`) and what to add to the authorization request
 * (`prompt: "login"`, OIDC Core §3.1.2.1) for a provider that does not act on `max_age=0` alone. The
 * field itself still asks only its own requirement of the new token.
 */
export function consumedError(ladder: Ladder, state: StepUpState, requirement: Requirement, options: Omit<GatewayErrorOptions, 'extensions'> = {}): GraphQLError {
  const relogin = { ...requirement, maxAge: 0 };
  state.unmet.push(relogin);
  return gatewayError('STEP_UP_REQUIRED', 'This authentication has already served its one-time step-up; authenticate again', {
    ...options,
    extensions: { ...challengeOf(ladder, relogin), once: true, prompt: 'login' },
  });
}

/** Shared state out of reach: refuse, never pass. */
export function stateUnavailableError(): GraphQLError {
  return gatewayError('SERVICE_UNAVAILABLE', 'One-time step-ups cannot be checked right now; retry shortly', { http: { status: 503 } });
}
