import type { ServerResponse } from 'node:http';

/**
 * The dev-mode demo client at `/`: a public OAuth client (guthib-web, PKCE) in one page, so that a
 * person can sign in as alice, meet a challenge, step up with TOTP and transfer a repository.
 * On a challenge it builds the new authorization request from the WWW-Authenticate header (RFC 9470 §3:
 * `acr_values`, `max_age`), adding `prompt=login` when the refusal is a used one-time step-up
 * (`extensions.once`, `extensions.prompt`; OIDC Core §3.1.2.1), and the `authorization_details` of the
 * challenge's `authorization_remediation` when the call needs the user's approval (RFC 9396).
 */
export function sendDemoApp(res: ServerResponse, issuer: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(page(issuer));
}

const page = (issuer: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GutHib · step-up demo</title>
<style>body{font:15px system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}button{margin:.2rem .4rem .2rem 0;padding:.35rem .8rem}
pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap;word-break:break-all}.challenge{border-left:4px solid #b00020;padding-left:.6rem}</style></head>
<body><h1>GutHib</h1>
<p id="who">Not signed in.</p>
<p><button id="signin">Sign in (password: silver)</button><button id="signout">Sign out at the provider</button></p>
<h2>Try</h2>
<p><button data-op="browse">Browse repositories</button><button data-op="cards">My payment methods (HIGH)</button>
<button data-op="transfer">Transfer alice/gut to bob (HIGH, once)</button>
<button data-op="transferWebsite">Transfer alice/website to bob (HIGH, once)</button></p>
<div id="challenge" class="challenge" hidden><p id="why"></p><button id="stepup">Step up and retry</button></div>
<h2>Answer</h2><pre id="out">…</pre>
<script type="module">
const ISSUER = ${JSON.stringify(issuer)};
const OPS = {
  browse: '{ repositories { name owner { login } } viewer { login } }',
  cards: '{ viewer { login paymentMethods { brand last4 } } }',
  transfer: 'mutation { transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name owner { login } } }',
  transferWebsite: 'mutation { transferRepositoryOwnership(repositoryId: "Repository:2", newOwner: "bob") { name owner { login } } }',
};
const $ = (id) => document.getElementById(id);
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');

async function authorize(extra) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(8)));
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const url = new URL('/auth', ISSUER);
  url.search = new URLSearchParams({ client_id: 'guthib-web', response_type: 'code', scope: 'openid', redirect_uri: ISSUER + '/',
    code_challenge: challenge, code_challenge_method: 'S256', state, ...extra });
  location.assign(url);
}

async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return;
  history.replaceState(null, '', '/');
  if (params.has('error')) { $('out').textContent = params.get('error') + ': ' + params.get('error_description'); return; }
  const { verifier, state } = JSON.parse(sessionStorage.getItem('pkce') ?? '{}');
  if (params.get('state') !== state) { $('out').textContent = 'state mismatch'; return; }
  const response = await fetch('/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'guthib-web', grant_type: 'authorization_code', code: params.get('code'), code_verifier: verifier, redirect_uri: ISSUER + '/' }) });
  const tokens = await response.json();
  sessionStorage.setItem('token', tokens.access_token);
  const pending = sessionStorage.getItem('pending');
  sessionStorage.removeItem('pending');
  if (pending) await run(pending);
}

function showWho() {
  const token = sessionStorage.getItem('token');
  if (!token) return;
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const age = Math.floor(Date.now() / 1000) - claims.auth_time;
    $('who').textContent = 'Signed in as ' + claims.sub + ' · acr ' + claims.acr + ' · authenticated ' + age + ' s ago';
  } catch { $('who').textContent = 'Signed in (opaque token).'; }
}

async function run(op) {
  const token = sessionStorage.getItem('token');
  const response = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) },
    body: JSON.stringify({ query: OPS[op] }) });
  const challenge = response.headers.get('www-authenticate');
  const body = await response.json();
  $('out').textContent = 'HTTP ' + response.status + (challenge ? '\\nWWW-Authenticate: ' + challenge : '') + '\\n\\n' + JSON.stringify(body, null, 2);
  const params = Object.fromEntries([...(challenge ?? '').matchAll(/(acr_values|max_age)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  // A used one-time step-up (once: true) is no weaker token: the same sign-in cannot serve twice. Its
  // challenge says max_age 0 and its extensions prompt login, so the provider asks for a new login
  // instead of answering from its session with the same, used, auth_time (the client would loop).
  const once = (body.errors ?? []).find((error) => error.extensions?.once === true);
  if (once?.extensions.prompt) params.prompt = once.extensions.prompt;
  // The call needs alice's approval of exactly these arguments: ask the provider for them (it shows them), with a login.
  const remediation = /authorization_remediation="([^"]*)"/.exec(challenge ?? '')?.[1];
  const approval = remediation ? JSON.parse(atob(remediation.replace(/-/g, '+').replace(/_/g, '/'))).authorization_details : undefined;
  if (approval) { params.authorization_details = JSON.stringify(approval); params.prompt = 'login'; }
  $('challenge').hidden = !params.acr_values && !params.max_age && !approval;
  const asks = 'acr_values ' + (params.acr_values ?? '-') + ', max_age ' + (params.max_age ?? '-');
  $('why').textContent = once
    ? 'This sign-in has already served its one-time step-up: each transfer needs a sign-in of its own. Sign in again (prompt ' + params.prompt + ', max_age ' + params.max_age + ')' + (approval ? ' and approve this call: ' + JSON.stringify(approval.map((one) => one.arguments)) : '') + '.'
    : approval
      ? 'The gateway asks you to approve this call at the provider (' + JSON.stringify(approval.map((one) => one.arguments)) + '): ' + asks + '.'
      : 'The gateway asks for a stronger or fresher sign-in: ' + asks + '.';
  $('stepup').textContent = once ? 'Sign in again and retry' : approval ? 'Approve and retry' : 'Step up and retry';
  $('stepup').onclick = () => { sessionStorage.setItem('pending', op); authorize(params); };
  showWho();
}

$('signin').onclick = () => authorize({ acr_values: 'urn:mace:incommon:iap:silver' });
$('signout').onclick = () => { sessionStorage.clear(); location.assign(ISSUER + '/session/end'); };
for (const button of document.querySelectorAll('[data-op]')) button.onclick = () => run(button.dataset.op);
await finishSignIn();
showWho();
</script></body></html>`;
