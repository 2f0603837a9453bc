import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation, GraphQLRequestListener } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  getArgumentValues,
  getVariableValues,
  type FieldNode,
  type GraphQLError,
  type OperationDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { approvalFor, carriesApproval, insufficientAuthorizationChallenge, remediationOf, type AuthorizationDetail } from '../stepup/approval.js';
import { bearerChallenge, challengeOf, insufficientAuthenticationChallenge, insufficientScopeChallenge } from '../stepup/challenge.js';
import { combineAll, isAtLeastAsStrict, type Requirement } from '../stepup/requirement.js';
import type { StepUpContext, StepUpState } from './context.js';
import { ATTRIBUTES, tracer } from '../ops/trace.js';
import { approvalError, checkRequirement, consumedError, note, stateUnavailableError, verdictOf } from './enforce.js';
import { gatewayError } from './errors.js';
import { requirementsOfOperation } from './operationPolicy.js';
import { TICKET_HEADER, ticketApproves, type TicketClaims, type TransactionTickets } from './tickets.js';
import type { PolicyTable } from './policyTable.js';

export interface StepUpPluginOptions {
  /** The `realm` auth-param of every `WWW-Authenticate` challenge (RFC 6750 §3). None when absent. */
  readonly realm?: string | undefined;
  /**
   * Transaction tickets, the weaker proof of an approval for providers without RFC 9396 (`tickets.ts`):
   * challenges of bound calls carry one, and a retry may redeem it. Absent: approvals come from tokens only.
   */
  readonly tickets?: TransactionTickets | undefined;
}

/**
 * The pre-execution layer and the response's headers.
 *
 * - Mutations (and any non-query operation, and persisted operations) are checked whole before any resolver runs: if anything
 *   selected is unmet, nothing executes and the answer is HTTP 401 with every error found and no `data`
 *   (GraphQL spec §7.1.2: an error before execution). If the check cannot run, the request is refused.
 * - Every response that fell short of a requirement carries one `WWW-Authenticate` challenge for the
 *   strictest unmet requirement, so that one re-authentication satisfies every refused field (RFC 9470 §3).
 * - A caller strong enough but without a scope a field asks (`@requiresScopes`) gets FORBIDDEN: a mutation
 *   refused for scopes only is answered 403 with an RFC 6750 §3.1 `insufficient_scope` challenge. A step-up
 *   challenge wins over it (401): step up first, the scopes are checked again on the retry. A query answers
 *   200 with the refused fields `null`, and carries the `insufficient_scope` challenge too when no step-up
 *   challenge does, as it carries the RFC 9470 one: one header, whatever the operation type.
 */
export function stepUpPlugin<TContext extends StepUpContext>(
  policy: PolicyTable | ((schema: GraphQLSchema) => PolicyTable),
  options: StepUpPluginOptions = {},
): ApolloServerPlugin<TContext> {
  // A gateway whose graph can be swapped reads the table of the schema the request runs on.
  const tableOf = typeof policy === 'function' ? policy : () => policy;
  // What refuses a request before execution, by request: set only when something is refused.
  const refusals = new WeakMap<object, GraphQLError[]>();
  // One listener for every request, its hooks plain functions that return promises made once (Apollo awaits
  // what they return): a query asking nothing of the caller costs three calls and no allocation.
  const listener: GraphQLRequestListener<TContext> = {
    didResolveOperation(requestContext) {
      const { contextValue, operation } = requestContext;
      if (operation === undefined) return DONE;
      const record = contextValue.stepUp?.record;
      if (record !== undefined) {
        record.operationName = requestContext.operationName ?? undefined;
        record.operationType = operation.operation;
      }
      if (operation.operation === 'query' && contextValue.stepUp?.wholeOperation !== true) return DONE;
      const span = tracer.startSpan('step-up.check', { attributes: { 'graphql.operation.type': operation.operation } });
      return checkWholeOperation(requestContext, operation, tableOf(requestContext.schema), refusals, options.tickets).finally(() => {
        span.setAttribute(ATTRIBUTES.outcome, refusals.has(requestContext) ? 'refused' : 'allowed');
        span.end();
      });
    },
    responseForOperation(requestContext) {
      const refusal = refusals.get(requestContext);
      if (refusal === undefined) return NO_RESPONSE;
      // 401 when re-authenticating can help (RFC 9470); 403 when it cannot (STEP_UP_IMPOSSIBLE, FORBIDDEN only).
      const answerable = refusal.some((error) => ANSWERABLE.has(error.extensions['code'] as string));
      return Promise.resolve({
        http: { status: answerable ? 401 : 403, headers: new HeaderMap() },
        body: { kind: 'single', singleResult: { errors: refusal.map((error): GraphQLFormattedError => error.toJSON()) } },
      });
    },
    willSendResponse({ contextValue, response, schema }) {
      const state = contextValue.stepUp;
      if (state === undefined || (state.unmet.length === 0 && state.insufficientScopes?.[0] === undefined && state.approvalsNeeded === undefined)) return DONE;
      const challenge = challengeHeader(state, tableOf(schema), options.realm);
      const ticket = ticketsIssued.get(state);
      if (challenge !== undefined)
        response.http.headers.set('www-authenticate', ticket === undefined ? challenge : `${challenge}, transaction_ticket="${ticket}"`);
      return DONE;
    },
  };
  const started = Promise.resolve(listener);
  return {
    requestDidStart() {
      return started;
    },
  };
}

// Settled once, shared by every request: a settled promise is never changed by those who await it.
const DONE: Promise<void> = Promise.resolve();
const NO_RESPONSE: Promise<null> = Promise.resolve(null);
/** The transaction ticket a refused request was given, by its step-up state. */
const ticketsIssued = new WeakMap<object, string>();
/** Refusals a new authorization can answer (HTTP 401); the others are 403. */
const ANSWERABLE = new Set(['UNAUTHENTICATED', 'STEP_UP_REQUIRED', 'APPROVAL_REQUIRED']);

/**
 * A mutation, any non-query operation, or a persisted operation: everything it selects is checked before
 * any resolver runs, and the one-time step-ups it needs are claimed; what falls short is recorded in
 * `refusals` for `responseForOperation`.
 */
async function checkWholeOperation<TContext extends StepUpContext>(
  requestContext: GraphQLRequestContextDidResolveOperation<TContext>,
  operation: OperationDefinitionNode,
  table: PolicyTable,
  refusals: WeakMap<object, GraphQLError[]>,
  tickets: TransactionTickets | undefined,
): Promise<void> {
  const { contextValue, document, request, schema } = requestContext;
  const state = contextValue.stepUp;
  // Fail closed: without the step-up context nothing can be checked, so nothing runs (a 500: wiring, not input).
  if (state === undefined) throw new Error('stepUpPlugin needs a context with stepUp (createStepUpState)');
  const { ladder } = table;
  let selection: ReturnType<typeof requirementsOfOperation>;
  let coercedVariables: Record<string, unknown>;
  try {
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
    if (coerced.errors !== undefined) throw coerced.errors[0]!;
    coercedVariables = coerced.coerced;
    selection = requirementsOfOperation(schema, table, document, operation, coercedVariables);
  } catch (error) {
    // Bad variables, or `@skip(if: $flag)` with an explicit null: the check cannot run, so nothing does.
    throw gatewayError('BAD_USER_INPUT', `The operation cannot be checked: ${(error as Error).message}`, { http: { status: 400 } });
  }
  const errors: GraphQLError[] = [];
  const refused: Array<{ key: string; requirement: Requirement }> = [];
  // Calls whose step-up is bound to their arguments and whose token carries the approval: consumed below.
  const approvals: Array<{ selected: (typeof selection)[number]; approval: AuthorizationDetail; ticket?: TicketClaims }> = [];
  // A transaction ticket sent back (providers without RFC 9396): checked against each bound call below.
  const presented = tickets === undefined ? undefined : request.http?.headers.get(TICKET_HEADER);
  const ticket = presented === undefined || presented === null ? undefined : tickets!.verify(presented, state.now);
  for (const selected of selection) {
    const where = { path: selected.path, nodes: selected.node, coordinate: selected.coordinate };
    const approval = operation.operation === 'mutation' && selected.path.length === 1 ? approvalOf(schema, table, selected, coercedVariables) : undefined;
    let alsoApproval = false;
    if (approval !== undefined) {
      const verdict = verdictOf(ladder, state, selected.requirement).kind;
      const byTicket =
        ticket !== undefined &&
        state.caller.kind === 'principal' &&
        ticketApproves(ticket, state.caller.principal.subject, state.caller.principal.authTime, approval);
      if (verdict === 'met' && carriesApproval(principalClaims(state), approval)) approvals.push({ selected, approval });
      else if (verdict === 'met' && byTicket) approvals.push({ selected, approval, ticket });
      else if (verdict === 'met') {
        refused.push({ key: `${selected.path.join('.')}.`, requirement: selected.requirement });
        errors.push(approvalError(ladder, state, selected.requirement, approval, false, where));
        continue;
      } else if (verdict === 'step-up') {
        // Level unmet too: the RFC 9470 refusal, which names the approval as well, so one authorization request answers both.
        (state.approvalsNeeded ??= []).push({ detail: approval, requirement: selected.requirement, used: false });
        alsoApproval = true;
      }
    }
    const error = checkRequirement(ladder, state, selected.requirement, where);
    if (error === undefined) continue;
    if (alsoApproval) (error.extensions as Record<string, unknown>)['authorizationDetails'] = [approval];
    // A field under a refused field that asks no more than it says nothing new: leave it out.
    const key = `${selected.path.join('.')}.`;
    const implied = refused.some((ancestor) => key.startsWith(ancestor.key) && isAtLeastAsStrict(ladder, ancestor.requirement, selected.requirement));
    refused.push({ key, requirement: selected.requirement });
    if (!implied) errors.push(error);
  }
  if (errors.length > 0) {
    if (tickets !== undefined) offerTicket(tickets, state, errors);
    refusals.set(requestContext, errors);
    return;
  }
  // Everything is met: take the one-time step-ups now, so that a replay is refused whole.
  for (const selected of selection) {
    if (selected.requirement.once !== true || state.caller.kind !== 'principal') continue;
    let claimed: boolean;
    try {
      if (state.ledger === undefined) throw new Error('no ledger');
      claimed = await state.ledger.claim(state.caller.principal, selected.coordinate, selected.requirement, state.now);
    } catch {
      throw stateUnavailableError();
    }
    if (!claimed) {
      const error = consumedError(ladder, state, selected.requirement, { path: selected.path, nodes: selected.node, coordinate: selected.coordinate });
      // A bound call needs a new approval with the new login: the same challenge names it, for one round trip.
      const approval = approvals.find((one) => one.selected === selected)?.approval;
      if (approval !== undefined) {
        (state.approvalsNeeded ??= []).push({ detail: approval, requirement: selected.requirement, used: true });
        (error.extensions as Record<string, unknown>)['authorizationDetails'] = [approval];
      }
      errors.push(error);
    } else state.preclaimed.set(selected.coordinate, (state.preclaimed.get(selected.coordinate) ?? 0) + 1);
  }
  // Then the approvals, each consumed once across replicas: a replay, or a second alias of the call, is refused.
  const noted = new Map<object, AuthorizationDetail>();
  for (const { selected, approval, ticket: redeemed } of approvals) {
    if (errors.length > 0 || state.caller.kind !== 'principal') break;
    let consumed: boolean;
    try {
      if (state.ledger === undefined) throw new Error('no ledger');
      consumed = await state.ledger.consumeApproval(state.caller.principal, approval, state.now, redeemed);
    } catch {
      throw stateUnavailableError();
    }
    if (consumed) {
      (state.approved ??= []).push(approval);
      noted.set(selected, approval);
    } else
      errors.push(
        approvalError(ladder, state, selected.requirement, approval, true, { path: selected.path, nodes: selected.node, coordinate: selected.coordinate }),
      );
  }
  if (errors.length > 0) {
    if (tickets !== undefined) offerTicket(tickets, state, errors);
    refusals.set(requestContext, errors);
    return;
  }
  // Let through by a step-up: what the audit trail must be able to answer for ("who transferred it, at what level", "what they approved").
  for (const selected of selection) {
    const stepUp = selected.requirement.level !== undefined || selected.requirement.once === true;
    const approval = noted.get(selected);
    if (stepUp && (operation.operation !== 'query' || selected.requirement.once === true))
      note(state, selected.coordinate, selected.requirement, 'ALLOWED', approval);
  }
}

/** The approval a bound mutation call needs, from its coerced arguments; `undefined` for a call not bound. */
function approvalOf(
  schema: GraphQLSchema,
  table: PolicyTable,
  selected: { readonly coordinate: string; readonly node: FieldNode },
  variables: Record<string, unknown>,
): AuthorizationDetail | undefined {
  const binding = table.approvals.get(selected.coordinate);
  const field = binding === undefined ? undefined : schema.getMutationType()?.getFields()[selected.node.name.value];
  if (binding === undefined || field === undefined) return undefined;
  try {
    return approvalFor(binding, selected.coordinate, getArgumentValues(field, selected.node, variables));
  } catch (error) {
    throw gatewayError('BAD_USER_INPUT', `The operation cannot be checked: ${(error as Error).message}`, { http: { status: 400 } });
  }
}

/**
 * With tickets on, a refusal that names approvals offers one ticket for all of them: in the extensions of each
 * error that names one (`transactionTicket`) and in the challenge (`transaction_ticket`). It lives as long as the
 * strictest max age asked (300 s without one): the login it is redeemed with must come after it, within that.
 */
function offerTicket(tickets: TransactionTickets, state: StepUpState, errors: readonly GraphQLError[]): void {
  const needed = state.approvalsNeeded ?? [];
  if (needed.length === 0 || state.caller.kind !== 'principal') return;
  const ages = needed.map((one) => one.requirement.maxAge).filter((age): age is number => age !== undefined && age > 0);
  const ticket = tickets.issue(
    state.caller.principal.subject,
    needed.map((one) => one.detail),
    state.now,
    ages.length === 0 ? 300 : Math.min(...ages),
  );
  ticketsIssued.set(state, ticket);
  for (const error of errors)
    if (error.extensions['authorizationDetails'] !== undefined) (error.extensions as Record<string, unknown>)['transactionTicket'] = ticket;
}

function principalClaims(state: StepUpState): Readonly<Record<string, unknown>> | undefined {
  return state.caller.kind === 'principal' ? state.caller.principal.claims : undefined;
}

function challengeHeader(state: StepUpState, table: PolicyTable, realm: string | undefined): string | undefined {
  const approvals = state.approvalsNeeded ?? [];
  const strictest = combineAll(table.ladder, state.unmet);
  if (approvals.length > 0 && state.caller.kind === 'principal' && strictest === undefined) {
    // The level is met, the approval is not: one new authorization, with the details, at the level asked.
    const level =
      combineAll(
        table.ladder,
        approvals.map((one) => one.requirement),
      ) ?? {};
    return insufficientAuthorizationChallenge(
      approvals.map((one) => one.detail),
      challengeOf(table.ladder, level),
      approvals.every((one) => one.used),
      realm,
    );
  }
  if (strictest === undefined) {
    // RFC 6750 §3.1: only when no step-up is asked; re-authenticating comes first and grants no scope.
    const scopes = state.insufficientScopes?.[0];
    return scopes === undefined ? undefined : insufficientScopeChallenge(scopes, realm);
  }
  // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
  if (state.caller.kind === 'anonymous') return bearerChallenge({ realm });
  const remediation = approvals.length === 0 ? undefined : remediationOf(approvals.map((one) => one.detail));
  return insufficientAuthenticationChallenge(challengeOf(table.ladder, strictest), realm, remediation);
}
