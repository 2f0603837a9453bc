import type { Caller, Principal } from '../auth/principal.js';
import type { AuthorizationDetail } from '../stepup/approval.js';
import type { Verdict } from '../stepup/decide.js';
import type { Requirement, ScopeCondition } from '../stepup/requirement.js';
import type { OnceLedger } from './once.js';

/** Who is calling, once the token (if any) has been verified. Invalid tokens never get this far. */
export type { Caller };

/** Per-request step-up state: the caller, the request's clock, and what it fell short of. */
export interface StepUpState {
  readonly caller: Caller;
  /** The request's "now", seconds since the epoch: one instant for every check of the request. */
  readonly now: number;
  /** Requirements the caller did not meet, collected for the `WWW-Authenticate` header. */
  readonly unmet: Requirement[];
  /**
   * Scope conditions a strong enough caller was not granted (FORBIDDEN, no step-up helps), for the RFC 6750 §3.1
   * `insufficient_scope` challenge. Optional so that a state built by hand still type-checks; absent means none.
   */
  insufficientScopes?: Array<ScopeCondition>;
  /**
   * Check the whole operation before execution whatever its type, and refuse it whole if anything is
   * unmet. Always so for mutations; persisted operations ask for it too, so that a partner's query
   * answers with the same challenge its manifest annotation announced.
   */
  readonly wholeOperation: boolean;
  /** Where one-time step-ups are claimed; without it a `once` field is refused (fail closed). */
  readonly ledger: OnceLedger | undefined;
  /** One-time step-ups already claimed before execution, by coordinate, for the resolvers to use. */
  readonly preclaimed: Map<string, number>;
  /** The claim that says whether the user can step up at all (false: no second factor, say). */
  readonly canReauthenticateClaim: string;
  /** Where the request's decisions are noted for the audit trail and the metrics; absent: nowhere. */
  readonly record?: RequestRecord | undefined;
  /** The engine's verdict per requirement, decided once per request (`verdictOf` in enforce.ts); made on first use. */
  verdicts?: Map<Requirement, Verdict>;
  /** Approvals this call needs and the token does not carry (or has used), for the `insufficient_authorization` challenge. */
  approvalsNeeded?: Array<{ readonly detail: AuthorizationDetail; readonly requirement: Requirement; readonly used: boolean }>;
  /**
   * Approvals consumed before execution (at a subgraph: those the gateway's identity says it consumed): what the
   * user approved, for the subgraphs' identity. Each serves one call: the guard of a bound call takes its own out.
   */
  approved?: AuthorizationDetail[];
}

/**
 * A decision worth an audit event: a refusal (its code), or a mutation or one-time field let through by a
 * step-up requirement (`ALLOWED`).
 */
export interface Decision {
  /** The schema coordinate, or the response path when a subgraph refused. */
  readonly coordinate: string;
  readonly requirement: Requirement;
  readonly outcome: 'ALLOWED' | 'UNAUTHENTICATED' | 'STEP_UP_REQUIRED' | 'STEP_UP_IMPOSSIBLE' | 'APPROVAL_REQUIRED' | 'FORBIDDEN';
  /** The approval the call needed or used (`authorization_details`), for mutations whose step-up is bound to their arguments. */
  readonly approval?: AuthorizationDetail | undefined;
  /** The subgraph that made the decision, when one did. */
  readonly subgraph?: string | undefined;
}

/** What one request did, noted as it goes: the gateway logs and counts it when the answer is sent. */
export interface RequestRecord {
  readonly requestId: string;
  operationName?: string | undefined;
  operationType?: string | undefined;
  readonly decisions: Decision[];
}

/** Authgear's claim, the documented default: https://docs.authgear.com */
export const DEFAULT_CAN_REAUTHENTICATE_CLAIM = 'https://authgear.com/claims/user/can_reauthenticate';

/** Where the gateway's context keeps the caller's raw `Authorization`, for subgraphs configured to receive it. */
export const CALLER_AUTHORIZATION = Symbol('callerAuthorization');

/** What the guard and the plugin need to find in a GraphQL context. */
export interface StepUpContext {
  readonly stepUp: StepUpState;
  /** The verified caller, `undefined` when anonymous: the gateway puts it in every request's context. */
  readonly principal?: Principal | undefined;
}

/**
 * One request's (or one subscription event's) GraphQL context, as both transports build it: the graph's own
 * context from `createContext`, copied, then the gateway's part. Not `{ ...own, stepUp, principal }`: on
 * Node 20 a spread followed by more properties builds a new hidden class for every request (2 µs,
 * bench/PROFILE.md). `authorization` is the caller's raw header, for subgraphs configured to receive it:
 * never logged, never in a response.
 */
export function gatewayContext(
  createContext: ((request: { readonly principal: Principal | undefined; readonly stepUp: StepUpState }) => object) | undefined,
  principal: Principal | undefined,
  stepUp: StepUpState,
  authorization: string | undefined,
): StepUpContext {
  const context = Object.assign({}, createContext?.({ principal, stepUp })) as {
    stepUp: StepUpState;
    principal: Principal | undefined;
    [CALLER_AUTHORIZATION]?: string;
  };
  context.stepUp = stepUp;
  context.principal = principal;
  if (authorization !== undefined) context[CALLER_AUTHORIZATION] = authorization;
  return context;
}

export function createStepUpState(
  caller: Caller,
  now: number,
  options: { wholeOperation?: boolean; ledger?: OnceLedger; canReauthenticateClaim?: string; record?: RequestRecord } = {},
): StepUpState {
  return {
    record: options.record,
    caller,
    now,
    unmet: [],
    // `insufficientScopes` is made by the first scope refusal (most requests have none).
    wholeOperation: options.wholeOperation ?? false,
    ledger: options.ledger,
    preclaimed: new Map(),
    canReauthenticateClaim: options.canReauthenticateClaim ?? DEFAULT_CAN_REAUTHENTICATE_CLAIM,
  };
}
