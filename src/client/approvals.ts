import { canonicalJson } from '../stepup/canonicalJson.js';
import { StepUpNotSatisfied } from './errors.js';
import type { AuthorizationDetail, StepUpRequest } from './stepUpRequest.js';

/**
 * Checks that a step-up's new token carries exactly the approvals asked for, before anything is replayed: the
 * token response's `authorization_details` (RFC 9396 §7), or, when the response leaves them out, the claim of a
 * JWT access token. Compared as canonical JSON (RFC 8785), as the gateway compares them. A provider that
 * approved less, or something else, would only earn the same challenge: throws `StepUpNotSatisfied` instead.
 * Returns what was granted; `undefined` when nothing was asked.
 */
export function assertApprovalsGranted(
  requested: Omit<StepUpRequest, 'operations'>,
  response: { readonly access_token: string; readonly authorization_details?: unknown },
): readonly AuthorizationDetail[] | undefined {
  const asked = requested.authorizationDetails;
  if (asked === undefined || asked.length === 0) return undefined;
  const granted = response.authorization_details ?? claimOf(response.access_token);
  if (!Array.isArray(granted)) {
    throw new StepUpNotSatisfied('The provider did not say which authorization_details it granted', requested, {});
  }
  const key = (details: readonly unknown[]) => details.map(canonicalJson).sort().join('\n');
  if (key(granted) !== key(asked)) {
    throw new StepUpNotSatisfied('The provider granted other authorization_details than the ones the user was asked to approve', requested, {});
  }
  return granted as AuthorizationDetail[];
}

/** `authorization_details` of a JWT access token's payload, read without verifying (the gateway verifies). */
function claimOf(token: string): unknown {
  const payload = token.split('.')[1];
  return payload === undefined ? undefined : (base64urlJson(payload) as { authorization_details?: unknown } | undefined)?.authorization_details;
}

/** The JSON value of base64url text (no padding needed), with browser APIs only; `undefined` when it is not one. */
export function base64urlJson(text: string): unknown {
  try {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}
