import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AuthorizationDetail } from '../stepup/approval.js';
import { canonicalJson } from '../stepup/canonicalJson.js';

/**
 * Transaction tickets: the weaker proof of an approval, for providers without Rich Authorization Requests
 * (off by default, `approvals.tickets`). The challenge of a bound call carries a ticket the gateway signs
 * (HS256, `typ: txn-ticket+jwt`) naming the subject and the approvals the call needs; the client signs the
 * user in again and retries with the ticket in the `Step-Up-Ticket` header. It counts as the approval when
 * the new token's `auth_time` is after the ticket was issued, for the same subject and the same call, once.
 *
 * Weaker than RFC 9396 because the provider never showed the user what they approved: the ticket proves
 * that the user authenticated again after this call was refused, not that they saw its arguments.
 */
export interface TransactionTickets {
  /** A ticket for `subject`'s call needing these approvals, valid for `lifetime` seconds from `now`. */
  issue(subject: string, approvals: readonly AuthorizationDetail[], now: number, lifetime: number): string;
  /** The ticket's claims when it is one of ours and unexpired at `now`; `undefined` for anything else. */
  verify(ticket: string, now: number): TicketClaims | undefined;
}

export interface TicketClaims {
  readonly jti: string;
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
  readonly authorization_details: readonly AuthorizationDetail[];
}

/** The request header a ticket comes back in. */
export const TICKET_HEADER = 'step-up-ticket';
const TYPE = 'txn-ticket+jwt';
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: TYPE })).toString('base64url');

/** Tickets signed with `secret` (at least 32 bytes; replicas share it, or a ticket of one is refused by another). */
export function createTransactionTickets(secret: string): TransactionTickets {
  if (Buffer.byteLength(secret, 'utf8') < 32) throw new TypeError('a transaction ticket secret must be at least 32 bytes');
  const mac = (input: string) => createHmac('sha256', secret).update(input, 'utf8').digest();
  return {
    issue(subject, approvals, now, lifetime) {
      const claims: TicketClaims = { jti: randomUUID(), sub: subject, iat: now, exp: now + lifetime, authorization_details: approvals };
      const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${input}.${mac(input).toString('base64url')}`;
    },
    verify(ticket, now) {
      const [header, payload, signature, ...rest] = ticket.split('.');
      if (header !== HEADER || payload === undefined || signature === undefined || rest.length > 0) return undefined;
      const expected = mac(`${header}.${payload}`);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let claims: TicketClaims;
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TicketClaims;
      } catch {
        return undefined;
      }
      if (typeof claims.exp !== 'number' || claims.exp < now || typeof claims.iat !== 'number' || !Array.isArray(claims.authorization_details))
        return undefined;
      return claims;
    },
  };
}

/** Whether a verified ticket stands for this approval of this subject's call, after a login later than the ticket. */
export function ticketApproves(claims: TicketClaims, subject: string, authTime: number | undefined, approval: AuthorizationDetail): boolean {
  if (claims.sub !== subject || authTime === undefined || authTime <= claims.iat) return false;
  const wanted = canonicalJson(approval);
  return claims.authorization_details.some((detail) => canonicalJson(detail) === wanted);
}
