/**
 * Rich Authorization Requests (RFC 9396) in the dev provider: the approvals the gateway asks for, checked,
 * shown to the user in words, and put in the access token only when the user approved them in this very
 * authorization request.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml } from './pages.js';

/** The gateway's approval of one call: `{ type, coordinate, arguments }`, nothing else. */
export interface Approval {
  readonly type: string;
  readonly coordinate: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** `features.richAuthorizationRequests` for these approval types (the `approvalType`s of the served graph). */
export function richAuthorizationRequests(types: readonly string[]) {
  const validate = (_ctx: KoaContextWithOIDC, detail: Record<string, unknown>) => {
    const problem = shapeProblem(detail);
    if (problem !== undefined) throw new errors.InvalidAuthorizationDetails(problem);
  };
  return {
    enabled: true,
    types: Object.fromEntries(types.map((type) => [type, { validate }])),
    // The authorization code carries what this request asked for, and only once the user approved it in
    // this interaction: the consent prompt asks for it every time authorization_details are requested.
    authorizationDetailsForGrantSource: (ctx: KoaContextWithOIDC) => {
      const requested = ctx.oidc.params?.['authorization_details'];
      if (typeof requested !== 'string' || ctx.oidc.result?.['consent'] === undefined) return undefined;
      return JSON.parse(requested) as Approval[];
    },
    // The access token of the code exchange carries them; a refresh never does: an approval serves one token,
    // and a refreshed token with a new jti would be a second approval the user never gave.
    authorizationDetailsForAccessToken: (_ctx: KoaContextWithOIDC, _token: unknown, source: { rar?: Approval[] } | undefined, grantType: string) =>
      grantType === 'authorization_code' ? source?.rar : undefined,
    authorizationDetailsForIntrospection: (_ctx: KoaContextWithOIDC, token: { rar?: Approval[] }) => token.rar,
  };
}

/** Why an object is not an approval of the gateway's shape; `undefined` when it is one. */
export function shapeProblem(detail: Record<string, unknown>): string | undefined {
  const extra = Object.keys(detail).find((key) => key !== 'type' && key !== 'coordinate' && key !== 'arguments');
  if (extra !== undefined) return `authorization details member "${extra}" is not one of type, coordinate, arguments`;
  if (typeof detail['coordinate'] !== 'string' || !/^\w+\.\w+$/.test(detail['coordinate'])) return 'authorization details "coordinate" must be Type.field';
  const args = detail['arguments'];
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return 'authorization details "arguments" must be an object';
  return undefined;
}

/** The approvals an authorization request asks for, from its (validated) `authorization_details`; none when absent. */
export function requestedApprovals(params: Readonly<Record<string, unknown>>): Approval[] {
  const value = params['authorization_details'];
  if (typeof value !== 'string') return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? (parsed as Approval[]) : [];
  } catch {
    return [];
  }
}

/** `transferRepositoryOwnership` → `Transfer repository ownership`; `input.newOwner` → `input new owner`. */
function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._]/g, ' ')
    .toLowerCase();
}

/** The transaction in words, for the login and approval pages: what the user is about to approve. */
export function approvalHtml(approvals: readonly Approval[]): string {
  if (approvals.length === 0) return '';
  const one = (approval: Approval) => {
    const field = approval.coordinate.slice(approval.coordinate.indexOf('.') + 1);
    const title = words(field);
    const rows = Object.entries(approval.arguments)
      .map(([path, value]) => `<li>${escapeHtml(words(path))}: <b>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</b></li>`)
      .join('');
    return `<section class="approval"><h2>Approve: ${escapeHtml(title.charAt(0).toUpperCase() + title.slice(1))}</h2><ul>${rows}</ul></section>`;
  };
  return `${approvals.map(one).join('\n')}\n<p class="approval-note">Signing in approves exactly this, once.</p>`;
}
