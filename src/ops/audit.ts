import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { PolicyChange } from '../review/diff.js';
import type { Requirement } from '../stepup/requirement.js';
import type { Decision, RequestRecord } from '../graphql/context.js';
import { effectiveLevel, type Ladder } from '../stepup/ladder.js';
import type { GatewayMetrics } from './metrics.js';

/** What the gateway reports to operators: its structured log (the audit trail) and, when enabled, its metrics. */
export interface Ops {
  readonly log: Logger;
  readonly metrics: GatewayMetrics | undefined;
  /** Whether each GraphQL request gets its `request` line (`log.requests`). Default true. */
  readonly requestLines?: boolean | undefined;
}

/** An `x-request-id` the gateway accepts as it is: short, and nothing a log reader could mistake. */
const REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

/** The caller's `x-request-id` when it is a plain one, or a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Who called, as every audit event names them: never the token itself. */
export interface Who {
  readonly principal: Principal | undefined;
  readonly ladder: Ladder;
  readonly now: number;
}

function caller({ principal, ladder, now }: Who): Record<string, unknown> {
  if (principal === undefined) return { caller: { anonymous: true } };
  const level = effectiveLevel(ladder, { acr: principal.acr, authTime: principal.authTime }, now);
  return {
    client_id: principal.clientId,
    sub: principal.subject,
    sid: principal.sessionId,
    caller: { acr: principal.acr, level: level?.name, authAge: principal.authTime === undefined ? undefined : now - principal.authTime },
  };
}

function requirementFields(decision: Decision): Record<string, unknown> {
  const { level, maxAge, once, scopes } = decision.requirement as { level?: string; maxAge?: number; once?: boolean; scopes?: unknown };
  return { level, maxAge, once: once === true ? true : undefined, scopes };
}

/**
 * Reports one answered GraphQL request: one audit event per decision that matters (each refused coordinate
 * once, each mutation or one-time field a step-up let through), then the request line; and counts them.
 */
export function reportRequest(ops: Ops, record: RequestRecord, who: Who, answer: { readonly status: number; readonly durationMs: number }): void {
  ops.metrics?.requests.inc({ status: String(answer.status), operation_type: record.operationType ?? 'none' });
  const requestLine = ops.requestLines !== false;
  if (record.decisions.length === 0 && (!requestLine || !ops.log.isLevelEnabled('info'))) return;
  // Each refused coordinate once per request (and each approval once), for the metrics and the audit trail alike.
  const seen = new Set<string>();
  const decisions = record.decisions.filter((decision) => {
    const key = `${decision.coordinate}\n${decision.outcome}\n${decision.subgraph ?? ''}\n${decision.approval === undefined ? '' : JSON.stringify(decision.approval)}`;
    return !seen.has(key) && (seen.add(key), true);
  });
  if (ops.metrics !== undefined) for (const decision of decisions) ops.metrics.decisions.inc({ coordinate: decision.coordinate, outcome: decision.outcome });
  // Nothing is built for a level that writes nothing: at `warn`, a request costs the metrics alone.
  if (!ops.log.isLevelEnabled('info')) return;
  const operation = { name: record.operationName, type: record.operationType };
  for (const decision of decisions) {
    ops.log.info(
      {
        event: decision.outcome === 'ALLOWED' ? 'step_up.allowed' : 'step_up.refused',
        requestId: record.requestId,
        operation,
        ...caller(who),
        coordinate: decision.coordinate,
        requirement: requirementFields(decision),
        outcome: decision.outcome,
        subgraph: decision.subgraph,
        // What the user approved (or would have to): the call's bound arguments, never a token.
        approval: decision.approval,
      },
      decision.outcome === 'ALLOWED' ? `${decision.coordinate} allowed after a step-up` : `${decision.coordinate} refused: ${decision.outcome}`,
    );
  }
  if (!requestLine) return;
  ops.log.info(
    {
      event: 'request',
      requestId: record.requestId,
      status: answer.status,
      durationMs: Math.round(answer.durationMs * 10) / 10,
      operation,
      client_id: who.principal?.clientId,
    },
    'request',
  );
}

/** A request refused before GraphQL (a token, a persisted-operation rule, a limit): one audit event. */
export function reportRefusal(
  ops: Ops,
  event: 'token.refused' | 'persisted.refused' | 'limit.refused',
  fields: Record<string, unknown>,
  message: string,
): void {
  ops.log.info({ event, ...fields }, message);
}

/**
 * A subscription's life in the audit trail: opened (`subscription.started`), refused at subscribe
 * (`subscription.refused`, with the code), and ended (`subscription.ended`, with the reason), each naming the
 * caller as the request events do; counted in the metrics.
 */
export function reportSubscription(
  ops: Ops,
  event: 'subscription.started' | 'subscription.refused' | 'subscription.ended',
  who: Who,
  fields: { readonly connectionId: string; readonly id: string; readonly operationName?: string | undefined; readonly code?: string; readonly reason?: string },
): void {
  if (event === 'subscription.started') ops.metrics?.subscriptionsActive.inc();
  if (event === 'subscription.ended') {
    ops.metrics?.subscriptionsActive.dec();
    ops.metrics?.subscriptionEnds.inc({ reason: fields.reason ?? 'unknown' });
  }
  if (!ops.log.isLevelEnabled('info')) return;
  const message =
    event === 'subscription.started'
      ? 'subscription started'
      : event === 'subscription.refused'
        ? `subscription refused: ${fields.code ?? 'refused'}`
        : `subscription ended: ${fields.reason ?? 'unknown'}`;
  ops.log.info({ event, ...fields, operation: { name: fields.operationName, type: 'subscription' }, operationName: undefined, ...caller(who) }, message);
}

/** A requirement as the audit trail writes it; `null` when nothing is required. */
function requirementOf(requirement: Requirement | undefined): Record<string, unknown> | null {
  if (requirement === undefined) return null;
  const { level, maxAge, once, allowIfCannotReauthenticate, scopes } = requirement;
  return { level, maxAge, once, ifCannotReauthenticate: allowIfCannotReauthenticate === true ? 'ALLOW' : undefined, scopes };
}

/**
 * A reloaded supergraph that weakens the policy (as `policy diff` says): one audit event per weakened
 * coordinate, with its requirement before and after, and whether the reload was refused or served
 * (`reload.allowWeakening`); and counts them.
 */
export function reportPolicyWeakened(ops: Ops, changes: readonly PolicyChange[], served: boolean): void {
  const outcome = served ? 'served' : 'refused';
  for (const change of changes) {
    ops.metrics?.policyWeakenings.inc({ coordinate: change.coordinate, outcome });
    ops.log.warn(
      {
        event: 'policy.weakened',
        coordinate: change.coordinate,
        before: requirementOf(change.before),
        after: requirementOf(change.after),
        change: change.reason,
        outcome,
      },
      `reload ${outcome}: it weakens ${change.coordinate} (${change.reason})`,
    );
  }
}
