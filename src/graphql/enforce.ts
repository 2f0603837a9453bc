import type { GraphQLError } from 'graphql';
import { challengeOf, describeChallenge, describeScopes } from '../stepup/challenge.js';
import { satisfiesAuthentication, unmetScopes, type Requirement } from '../stepup/requirement.js';
import type { Ladder } from '../stepup/ladder.js';
import type { Decision, StepUpState } from './context.js';
import { gatewayError, type GatewayErrorOptions } from './errors.js';

/**
 * Checks one requirement for the request's caller. Returns the error to report, or `undefined`
 * when the requirement is met; an unmet requirement is also recorded for the response header.
 *
 * Authentication comes first: an anonymous caller is UNAUTHENTICATED, a token too weak or too old is
 * STEP_UP_REQUIRED (RFC 9470), whatever scopes it has. Only a token strong enough is checked for scopes, and a
 * missing scope is FORBIDDEN: re-authenticating does not grant scopes, so it is recorded apart from the
 * step-up challenges (`insufficientScopes`, RFC 6750 §3.1 `insufficient_scope`), never in `unmet`.
 */
export function checkRequirement(
  ladder: Ladder,
  state: StepUpState,
  requirement: Requirement,
  options: Omit<GatewayErrorOptions, 'extensions'> & { readonly coordinate?: string } = {},
): GraphQLError | undefined {
  const { caller } = state;
  if (caller.kind === 'anonymous') {
    state.unmet.push(requirement);
    note(state, options.coordinate, requirement, 'UNAUTHENTICATED');
    return gatewayError('UNAUTHENTICATED', 'An access token is required', { ...options, extensions: { ...challengeOf(ladder, requirement) } });
  }
  if (!satisfiesAuthentication(ladder, caller.principal, requirement, state.now)) {
    const challenge = challengeOf(ladder, requirement);
    // A user who cannot step up gets no challenge they cannot answer: the requirement decides.
    if (caller.principal.claims[state.canReauthenticateClaim] === false) {
      if (requirement.allowIfCannotReauthenticate !== true) {
        note(state, options.coordinate, requirement, 'STEP_UP_IMPOSSIBLE');
        return gatewayError('STEP_UP_IMPOSSIBLE', `${describeChallenge(challenge)}, and this user cannot step up`, {
          ...options,
          extensions: { ...challenge },
        });
      }
    } else {
      state.unmet.push(requirement);
      note(state, options.coordinate, requirement, 'STEP_UP_REQUIRED');
      return gatewayError('STEP_UP_REQUIRED', describeChallenge(challenge), { ...options, extensions: { ...challenge } });
    }
  }
  const missing = unmetScopes(caller.principal, requirement);
  if (missing === undefined) return undefined;
  (state.insufficientScopes ??= []).push(missing);
  note(state, options.coordinate, requirement, 'FORBIDDEN');
  return gatewayError('FORBIDDEN', describeScopes(missing), { ...options, extensions: { scopes: missing } });
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
export function consumedError(
  ladder: Ladder,
  state: StepUpState,
  requirement: Requirement,
  options: Omit<GatewayErrorOptions, 'extensions'> & { readonly coordinate?: string } = {},
): GraphQLError {
  const relogin = { ...requirement, maxAge: 0 };
  state.unmet.push(relogin);
  note(state, options.coordinate, requirement, 'STEP_UP_REQUIRED');
  return gatewayError('STEP_UP_REQUIRED', 'This authentication has already served its one-time step-up; authenticate again', {
    ...options,
    extensions: { ...challengeOf(ladder, relogin), once: true, prompt: 'login' },
  });
}

/** Notes a decision for the request's audit trail and metrics, when the request keeps a record. */
export function note(state: StepUpState, coordinate: string | undefined, requirement: Requirement, outcome: Decision['outcome']): void {
  state.record?.decisions.push({ coordinate: coordinate ?? '(unknown)', requirement, outcome });
}

/** Shared state out of reach: refuse, never pass. */
export function stateUnavailableError(): GraphQLError {
  return gatewayError('SERVICE_UNAVAILABLE', 'One-time step-ups cannot be checked right now; retry shortly', { http: { status: 503 } });
}
