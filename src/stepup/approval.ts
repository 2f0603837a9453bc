import { canonicalJson } from './canonicalJson.js';
import { bearerChallenge, type Challenge } from './challenge.js';

/**
 * What a field's step-up is bound to (`@isAuthenticated(binds: [...], approvalType: "...")`): the `type` of
 * the RFC 9396 `authorization_details` object an approval is, and the argument paths (`repositoryId`,
 * `input.amount`) whose values this call's approval must name.
 */
export interface ApprovalBinding {
  readonly type: string;
  readonly arguments: readonly string[];
}

/**
 * One approval, as an RFC 9396 `authorization_details` object: its `type`, the schema coordinate it is for,
 * and the coerced value of each bound argument by its path. The provider shows it to the user; the token
 * carries it; the gateway compares it as canonical JSON (RFC 8785): equal objects, whatever the key order.
 */
export interface AuthorizationDetail {
  readonly type: string;
  readonly coordinate: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/**
 * The approval this call needs: the bound arguments' values read from the call's coerced argument values
 * (as graphql-js coerces them: variables applied, defaults filled in). A path an input object leaves out
 * is `null`: "not given" is a value the user approves too. Its members are in canonical (RFC 8785) order.
 */
export function approvalFor(binding: ApprovalBinding, coordinate: string, argumentValues: Readonly<Record<string, unknown>>): AuthorizationDetail {
  const values: Record<string, unknown> = {};
  for (const path of binding.arguments) {
    let value: unknown = argumentValues;
    for (const name of path.split('.')) {
      value = value !== null && typeof value === 'object' && Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
    }
    // Canonical JSON now, parsed back: what is compared, shown and signed is plain JSON.
    values[path] = value === undefined ? null : JSON.parse(canonicalJson(value));
  }
  // Members in canonical order, so that the object as sent (body, header, identity) reads as it is compared.
  return JSON.parse(canonicalJson({ type: binding.type, coordinate, arguments: values })) as AuthorizationDetail;
}

/** The `authorization_details` a verified token (JWT claims or introspection answer, RFC 9396 §9.2) carries; `[]` when none. */
export function approvalsCarried(claims: Readonly<Record<string, unknown>> | undefined): readonly unknown[] {
  const details = claims?.['authorization_details'];
  return Array.isArray(details) ? details : [];
}

/** Whether the token carries an object equal, as canonical JSON, to the approval this call needs. */
export function carriesApproval(claims: Readonly<Record<string, unknown>> | undefined, needed: AuthorizationDetail): boolean {
  const wanted = canonicalJson(needed);
  return approvalsCarried(claims).some((detail) => {
    try {
      return canonicalJson(detail) === wanted;
    } catch {
      return false;
    }
  });
}

/**
 * `authorization_remediation` (draft-zehavi-oauth-rar-metadata): base64url, without padding, of the canonical
 * JSON of `{"authorization_details":[…]}`, the details a new authorization request must ask for.
 */
export function remediationOf(details: readonly AuthorizationDetail[]): string {
  return Buffer.from(canonicalJson({ authorization_details: details }), 'utf8').toString('base64url');
}

/** A sentence for humans: what is missing. */
export function describeApproval(details: readonly AuthorizationDetail[], used: boolean): string {
  const what = details.map((detail) => detail.coordinate).join(', ');
  return used
    ? `This approval of ${what} has been used already; the user must approve this call again`
    : `The user must approve this call of ${what} (authorization_details in the access token)`;
}

/**
 * The challenge for a call whose token carries no matching approval: `insufficient_authorization` with the
 * remediation, and the level requirement's `acr_values`/`max_age` (RFC 9470) beside it, so that one new
 * authorization request, with both, satisfies the call. No `authorization_reference`: an approval is single-use.
 */
export function insufficientAuthorizationChallenge(details: readonly AuthorizationDetail[], level: Challenge, used: boolean, realm?: string): string {
  return bearerChallenge({
    realm,
    error: 'insufficient_authorization',
    error_description: describeApproval(details, used),
    authorization_remediation: remediationOf(details),
    acr_values: level.acrValues,
    max_age: level.maxAge,
  });
}
