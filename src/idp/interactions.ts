import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { authenticator } from 'otplib';
import { ACR, acrRank, requiredRank } from './acrBinding.js';
import { DEV_USERS } from './devUsers.js';
import { approvalHtml, requestedApprovals } from './approvals.js';
import { approvePage, MAX_DAYS_AGO, otpPage, type DevAgo, page, passwordPage, readForm, redirect, sendHtml } from './pages.js';

/**
 * The login interaction: password, then a TOTP code when gold is asked for. "Remember me" decides
 * whether the session cookie outlives the browser. A TOTP code is accepted once per account.
 *
 * Dev only: "pretend this sign-in happened N days M minutes ago" (`days_ago`, `minutes_ago`) back-dates the
 * authentication (`login.ts`, which becomes the session's login time and so every token's `auth_time`), so
 * that a person or a test can make the café's session, gold and remembered three months ago, or a silver one
 * a minute from decaying, without waiting for it.
 */

/** After a correct password, while the TOTP code is awaited: keyed by interaction uid. */
interface PendingSecondFactor {
  readonly accountId: string;
  readonly remember: boolean;
  /** Seconds the authentication is back-dated by (`days_ago`, `minutes_ago`); 0 for a real one. */
  readonly backdate: number;
  readonly expiresAt: number;
}

export function createInteractions(provider: Provider) {
  const pending = new Map<string, PendingSecondFactor>();
  const lastTotpStep = new Map<string, number>(); // per account: a TOTP code is accepted once
  const totp = authenticator.clone({ window: 1 }); // ±30 s of clock drift

  return async function handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|otp|approve|abort))?$/.exec(pathname);
    const action = match?.[2];
    if (!match || (action === undefined ? req.method !== 'GET' : req.method !== 'POST')) {
      return sendHtml(res, 404, page('Not found', '<p>Not found.</p>'));
    }
    let details;
    try {
      details = await provider.interactionDetails(req, res); // checks the interaction cookie
    } catch {
      return sendHtml(res, 400, page('Expired', '<p>This sign-in request has expired. Start again from the application.</p>'));
    }
    const uid = details.uid;
    if (uid !== match[1]) return sendHtml(res, 400, page('Error', '<p>Interaction mismatch.</p>'));
    for (const [key, value] of pending) if (value.expiresAt < Date.now()) pending.delete(key);

    const finish = (result: InteractionResults, merge = false) => {
      pending.delete(uid);
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: merge });
    };

    // What the gateway asks the user to approve (RFC 9396), shown in words on every page of this request.
    const transaction = approvalHtml(requestedApprovals(details.params));
    if (action === 'abort') {
      return finish({ error: 'access_denied', error_description: 'End-User aborted the sign-in' });
    }
    if (details.prompt.name === 'consent') {
      // Approvals: signing in with the transaction in view approved it; without a login in this request, a page asks.
      const approving = transaction !== '' && (details.lastSubmission as { login?: unknown } | undefined)?.login === undefined;
      if (approving && action !== 'approve') return sendHtml(res, 200, approvePage(uid, details.session?.accountId ?? '', transaction));
      return finish({ consent: { grantId: await grantAll(details) } }, true);
    }
    if (details.prompt.name !== 'login') return finish({ error: 'access_denied', error_description: 'unsupported prompt' });

    // Which level the request needs; unknown-only acr_values never get this far (the check throws).
    const needsGold = (requiredRank(details.params['acr_values']) ?? -1) >= acrRank(ACR.gold);
    const client = String(details.params['client_id']);
    const hint = typeof details.params['login_hint'] === 'string' ? details.params['login_hint'] : details.session?.accountId;

    if (action === undefined || action === 'approve') {
      const waiting = pending.get(uid);
      return waiting
        ? sendHtml(res, 200, otpPage(uid, waiting.accountId, undefined, transaction))
        : sendHtml(res, 200, passwordPage(uid, client, needsGold, hint, await rememberedBefore(details), undefined, undefined, transaction));
    }

    const form = await readForm(req);

    if (action === 'login') {
      const username = form.get('username') ?? '';
      const ago: DevAgo = { days: form.get('days_ago') ?? '', minutes: form.get('minutes_ago') ?? '' };
      const backdate = backdateOf(ago);
      if (backdate === undefined) {
        return sendHtml(
          res,
          400,
          passwordPage(
            uid,
            client,
            needsGold,
            username,
            form.has('remember'),
            `"Days ago" must be a whole number from 0 to ${MAX_DAYS_AGO}, and "minutes ago" one from 0 to ${MAX_DAYS_AGO * 1440}.`,
            ago,
            transaction,
          ),
        );
      }
      if (!checkPassword(username, form.get('password') ?? '')) {
        return sendHtml(res, 401, passwordPage(uid, client, needsGold, username, form.has('remember'), 'Wrong username or password.', ago, transaction));
      }
      const remember = form.get('remember') === 'yes';
      if (needsGold) {
        pending.set(uid, { accountId: username, remember, backdate, expiresAt: Date.now() + 5 * 60_000 });
        return redirect(res, `/interaction/${uid}`); // POST-redirect-GET to the TOTP step
      }
      return finish({ login: { accountId: username, acr: ACR.silver, amr: ['pwd'], remember, ts: epoch() - backdate } });
    }

    // action === 'otp'
    const waiting = pending.get(uid);
    if (!waiting) return redirect(res, `/interaction/${uid}`);
    if (!checkTotp(waiting.accountId, form.get('otp') ?? '')) {
      return sendHtml(res, 401, otpPage(uid, waiting.accountId, 'That code is not valid. Try the current one.', transaction));
    }
    return finish({
      login: { accountId: waiting.accountId, acr: ACR.gold, amr: ['pwd', 'otp'], remember: waiting.remember, ts: epoch() - waiting.backdate },
    });
  };

  /** Whether the session being stepped up is a remembered one, to pre-tick the box. */
  async function rememberedBefore(details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<boolean> {
    const uid = details.session?.uid;
    if (!uid) return false;
    const session = await provider.Session.findByUid(uid);
    return session !== undefined && !session.transient;
  }

  /** Consent is only asked for with prompt=consent here (loadExistingGrant grants the rest): approve it. */
  async function grantAll(details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<string> {
    const { accountId } = details.session!;
    const grant = details.grantId
      ? (await provider.Grant.find(details.grantId))!
      : new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    return grant.save();
  }

  function checkPassword(username: string, password: string): boolean {
    const user = Object.hasOwn(DEV_USERS, username) ? DEV_USERS[username] : undefined;
    const digest = (value: string) => createHash('sha256').update(value).digest();
    // Compare digests in constant time, and do the work even for an unknown user.
    return timingSafeEqual(digest(password), digest(user?.password ?? randomBytes(16).toString('hex'))) && !!user;
  }

  function checkTotp(accountId: string, code: string): boolean {
    const user = DEV_USERS[accountId];
    if (!user || !/^\d{6}$/.test(code)) return false;
    const delta = totp.checkDelta(code, user.totpSecret);
    if (delta === null) return false;
    const step = Math.floor(Date.now() / 30_000) + delta;
    if (step <= (lastTotpStep.get(accountId) ?? -1)) return false; // replayed code
    lastTotpStep.set(accountId, step);
    return true;
  }
}

const epoch = (): number => Math.floor(Date.now() / 1000);

/** Seconds to back-date a dev sign-in by, from the "days" and "minutes ago" fields (empty is 0); undefined when either is not a whole number in range. */
function backdateOf(ago: DevAgo): number | undefined {
  const whole = (text: string, max: number) => {
    if (text.trim() === '') return 0;
    const number = Number(text);
    return Number.isInteger(number) && number >= 0 && number <= max ? number : undefined;
  };
  const days = whole(ago.days, MAX_DAYS_AGO);
  const minutes = whole(ago.minutes, MAX_DAYS_AGO * 1440);
  return days === undefined || minutes === undefined ? undefined : days * 86_400 + minutes * 60;
}
