import type { GraphQLError } from 'graphql';
import { describeApproval, type AuthorizationDetail } from '../stepup/approval.js';
import { challengeOf, describeChallenge, describeScopes } from '../stepup/challenge.js';
import { decide, type Verdict } from '../stepup/decide.js';
import type { Requirement } from '../stepup/requirement.js';
import type { Ladder } from '../stepup/ladder.js';
import type { Decision, StepUpState } from './context.js';
import { gatewayError, type GatewayErrorOptions } from './errors.js';

/**
 * The engine's verdict on one requirement for this request's caller at the request's "now": decided once
 * per request and requirement (`stepup/decide.ts`, pure), then reused by the pruning, the egress check, the
 * guards and the reshaping alike. Recording nothing.
 */
export function verdictOf(ladder: Ladder, state: StepUpState, requirement: Requirement): Verdict {
  const verdicts = (state.verdicts ??= new Map());
  let verdict = verdicts.get(requirement);
  if (verdict === undefined) verdicts.set(requirement, (verdict = decide(ladder, state.caller, requirement, state.now, state.canReauthenticateClaim)));
  return verdict;
}

/** Whether the request's caller meets a requirement: the verdict alone, nothing recorded. */
export function meets(ladder: Ladder, state: StepUpState, requirement: Requirement): boolean {
  return verdictOf(ladder, state, requirement).kind === 'met';
}

/**
 * Checks one requirement for the request's caller and records the outcome: returns the error to report,
 * or `undefined` when the requirement is met. An unmet requirement is recorded for the response header
 * (`unmet`: RFC 9470 challenges; `insufficientScopes`: RFC 6750 §3.1 `insufficient_scope`) and for the audit trail.
 */
export function checkRequirement(
  ladder: Ladder,
  state: StepUpState,
  requirement: Requirement,
  options: Omit<GatewayErrorOptions, 'extensions'> & { readonly coordinate?: string } = {},
): GraphQLError | undefined {
  const verdict = verdictOf(ladder, state, requirement);
  switch (verdict.kind) {
    case 'met':
      return undefined;
    case 'unauthenticated':
      state.unmet.push(requirement);
      note(state, options.coordinate, requirement, 'UNAUTHENTICATED');
      return gatewayError('UNAUTHENTICATED', 'An access token is required', { ...options, extensions: { ...challengeOf(ladder, requirement) } });
    case 'impossible': {
      const challenge = challengeOf(ladder, requirement);
      note(state, options.coordinate, requirement, 'STEP_UP_IMPOSSIBLE');
      return gatewayError('STEP_UP_IMPOSSIBLE', `${describeChallenge(challenge)}, and this user cannot step up`, { ...options, extensions: { ...challenge } });
    }
    case 'step-up': {
      const challenge = challengeOf(ladder, requirement);
      state.unmet.push(requirement);
      note(state, options.coordinate, requirement, 'STEP_UP_REQUIRED');
      return gatewayError('STEP_UP_REQUIRED', describeChallenge(challenge), { ...options, extensions: { ...challenge } });
    }
    case 'scopes':
      (state.insufficientScopes ??= []).push(verdict.missing);
      note(state, options.coordinate, requirement, 'FORBIDDEN');
      return gatewayError('FORBIDDEN', describeScopes(verdict.missing), { ...options, extensions: { scopes: verdict.missing } });
  }
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

/**
 * The error for a call whose step-up is bound to its arguments when the token carries no approval of this
 * call (`used`: it carried one, already consumed). It says what to ask the provider for: the
 * `authorizationDetails` and the level requirement (`acrValues`, `maxAge`), which the new token must meet
 * too, so one authorization request answers both.
 */
export function approvalError(
  ladder: Ladder,
  state: StepUpState,
  requirement: Requirement,
  detail: AuthorizationDetail,
  used: boolean,
  options: Omit<GatewayErrorOptions, 'extensions'> & { readonly coordinate?: string } = {},
): GraphQLError {
  (state.approvalsNeeded ??= []).push({ detail, requirement, used });
  state.record?.decisions.push({ coordinate: options.coordinate ?? '(unknown)', requirement, outcome: 'APPROVAL_REQUIRED', approval: detail });
  return gatewayError('APPROVAL_REQUIRED', describeApproval([detail], used), {
    ...options,
    extensions: { authorizationDetails: [detail], ...challengeOf(ladder, requirement), ...(used ? { used: true } : {}) },
  });
}

/** Notes a decision for the request's audit trail and metrics, when the request keeps a record. */
export function note(
  state: StepUpState,
  coordinate: string | undefined,
  requirement: Requirement,
  outcome: Decision['outcome'],
  approval?: AuthorizationDetail,
): void {
  state.record?.decisions.push({ coordinate: coordinate ?? '(unknown)', requirement, outcome, ...(approval === undefined ? {} : { approval }) });
}

/** Shared state out of reach: refuse, never pass. */
export function stateUnavailableError(): GraphQLError {
  return gatewayError('SERVICE_UNAVAILABLE', 'One-time step-ups cannot be checked right now; retry shortly', { http: { status: 503 } });
}
