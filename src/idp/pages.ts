/** Server-rendered HTML for the embedded provider's login pages, and the small HTTP helpers they need. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEV_USERS } from './devUsers.js';

const MAX_FORM_BYTES = 16 * 1024;
/** The furthest back a dev sign-in may pretend to have happened ("days_ago" on the password page): ten years. */
export const MAX_DAYS_AGO = 3650;
/** The dev-only back-dating fields, as typed: days and minutes. */
export interface DevAgo {
  readonly days: string;
  readonly minutes: string;
}
const NOT_AGO: DevAgo = { days: '', minutes: '' };

export function passwordPage(
  uid: string,
  client: string,
  needsGold: boolean,
  username = '',
  remember = false,
  error?: string,
  ago: DevAgo = NOT_AGO,
  transaction = '',
): string {
  return page(
    'Sign in',
    `<p>to <b>${escapeHtml(client)}</b>${needsGold ? ': this request needs a password and a one-time code' : ''}.</p>
${transaction}
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Username <input name="username" value="${escapeHtml(username)}" autocomplete="username" required autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<label class="inline"><input type="checkbox" name="remember" value="yes"${remember ? ' checked' : ''}> Remember me</label>
<label class="dev">Dev only: pretend this sign-in happened <input name="days_ago" class="days" type="number" min="0" max="${MAX_DAYS_AGO}" inputmode="numeric" placeholder="0" value="${escapeHtml(ago.days)}"> days <input name="minutes_ago" class="days" type="number" min="0" max="${MAX_DAYS_AGO * 1440}" inputmode="numeric" placeholder="0" value="${escapeHtml(ago.minutes)}"> minutes ago</label>
<button type="submit">Continue</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="link">Cancel</button></form>
<p class="dev">Dev users: ${Object.keys(DEV_USERS).map(escapeHtml).join(', ')}.</p>`,
  );
}

export function otpPage(uid: string, accountId: string, error?: string, transaction = ''): string {
  return page(
    'One-time code',
    `<p>Enter the 6-digit code from the authenticator app of <b>${escapeHtml(accountId)}</b>.</p>
${transaction}
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/otp">
<label>Code <input name="otp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus></label>
<button type="submit">Verify</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="link">Cancel</button></form>`,
  );
}

/** The approval page: the transaction in words, approved with a button (when no login is needed to approve it). */
export function approvePage(uid: string, accountId: string, transaction: string): string {
  return page(
    'Approve',
    `<p>Signed in as <b>${escapeHtml(accountId)}</b>.</p>
${transaction}
<form method="post" action="/interaction/${uid}/approve"><button type="submit">Approve</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="link">Cancel</button></form>`,
  );
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · GutHib dev provider</title>
<style>body{font:16px system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
input:not([type=checkbox]){display:block;width:100%;padding:.4rem;box-sizing:border-box}button{margin:.5rem 0;padding:.4rem 1rem}
.approval{border:2px solid #06c;border-radius:.4rem;padding:0 .8rem;margin:1rem 0}.approval h2{font-size:1.05rem}.approval-note{font-size:.85rem}
.error{color:#b00020}.dev{color:#666;font-size:.85rem}input.days{display:inline;width:4.5rem}.link{background:none;border:none;color:#06c;padding:0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

// --- small HTTP helpers ------------------------------------------------------------------------

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: browsers apply it to the redirect chain that ends at the client's redirect_uri.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
