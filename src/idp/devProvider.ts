/**
 * An embedded development OpenID Provider for the step-up gateway: oidc-provider 9, served by the
 * gateway itself in dev mode (or by `npm run idp`), with server-rendered login pages (password, then TOTP when gold is asked for),
 * in-memory storage and two seeded users.
 *
 * What it adds to oidc-provider, and why:
 * - `acr` says what the user did in *this* authorization request: only the session cookie → bronze,
 *   a password → silver, a password and a TOTP code → gold (OIDC Core §2: a long-lived cookie is the
 *   weakest level). oidc-provider would otherwise repeat the acr of the session's last login forever.
 * - `acr_values` binds (RFC 9470 §5): oidc-provider treats it as voluntary, so a check in the login
 *   prompt asks the user to authenticate when the level reached would be below the one requested, and
 *   ends with `unmet_authentication_requirements` when no requested value is one this provider knows.
 * - Access tokens for the gateway (RFC 8707 resource indicator, RFC 9068 JWT or opaque) carry `acr`,
 *   `amr`, `auth_time` and `sid`, copied from the authorization code or refresh token, so a refresh
 *   keeps the original authentication and back-channel logout can be matched to tokens.
 * - Introspection (RFC 7662) for the gateway's confidential client, back-channel logout (OIDC BCL 1.0).
 *
 * Never for production: fixed passwords and TOTP secrets, the dev signing key, everything in memory.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import Provider, {
  errors,
  interactionPolicy,
  type Configuration,
  type InteractionResults,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { authenticator } from 'otplib';
import { DEV_USERS } from './devUsers.js';

export { DEV_USERS };

/** The InCommon IAP levels the gateway's default ladder uses, weakest first. */
export const ACR = Object.freeze({
  bronze: 'urn:mace:incommon:iap:bronze',
  silver: 'urn:mace:incommon:iap:silver',
  gold: 'urn:mace:incommon:iap:gold',
});
const LADDER: readonly string[] = [ACR.bronze, ACR.silver, ACR.gold];
const rankOf = (acr: string | undefined): number => (acr === undefined ? -1 : LADDER.indexOf(acr));

export interface DevProviderOptions {
  /** The issuer, e.g. `http://localhost:4000`: the provider is served at that origin's root paths. */
  readonly issuer: string;
  /** The ES256 private key (JWK) that signs ID tokens, JWT access tokens and logout tokens. */
  readonly signingJwk: JWK;
  /** The `aud` of access tokens for the gateway, i.e. the gateway's OIDC_AUDIENCE (e.g. `guthib-api`). */
  readonly gatewayAudience: string;
  /**
   * The RFC 8707 resource indicator that names the gateway. It must be an absolute URI (oidc-provider
   * refuses anything else with invalid_target). Clients need not send it: it is the default resource.
   */
  readonly gatewayResource: string;
  /** `jwt` (RFC 9068, verified locally by the gateway) or `opaque` (introspected by the gateway). Default `jwt`. */
  readonly accessTokenFormat?: 'jwt' | 'opaque';
  readonly clients: {
    /** The public browser client (PKCE, no secret). */
    readonly web: {
      readonly clientId?: string; // default guthib-web
      readonly redirectUris: readonly string[];
      readonly postLogoutRedirectUris?: readonly string[];
      /** The gateway's `POST /backchannel-logout`; logout tokens for this client's sessions go there. */
      readonly backchannelLogoutUri?: string;
    };
    /** The gateway's confidential client, used only to authenticate at the introspection endpoint. */
    readonly gateway: {
      readonly clientId?: string; // default guthib-gateway
      readonly clientSecret: string;
    };
  };
  /** Where provider errors are reported. Default `console.error`. */
  readonly log?: (message: string) => void;
}

export interface DevProvider {
  readonly issuer: string;
  readonly accessTokenFormat: 'jwt' | 'opaque';
  /** The underlying oidc-provider instance, for tests that need to look inside. */
  readonly provider: Provider;
  /** Serves the provider's endpoints and the login pages; mount it at the issuer's origin. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const ACCESS_TOKEN_TTL = 10 * 60;
const SESSION_TTL_REMEMBERED = 30 * 24 * 60 * 60; // "remember me": a persistent cookie for 30 days
const SESSION_TTL_TRANSIENT = 12 * 60 * 60; // otherwise a browser-session cookie, and 12 h at most server side
const MAX_FORM_BYTES = 16 * 1024;

export async function createDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  const { issuer, gatewayAudience, gatewayResource } = options;
  const format = options.accessTokenFormat ?? 'jwt';
  const webClientId = options.clients.web.clientId ?? 'guthib-web';
  const gatewayClientId = options.clients.gateway.clientId ?? 'guthib-gateway';
  const log = options.log ?? ((message: string) => console.error(message));
  if (!isAbsoluteUri(gatewayResource)) {
    throw new TypeError(`the resource indicator "${gatewayResource}" is not an absolute URI, which RFC 8707 requires`);
  }

  const provider = new Provider(issuer, configuration());
  wireAcrOfThisRequest(provider);
  provider.on('server_error', (_ctx, error) => log(`[dev-idp] server_error: ${(error as Error).message}`));
  provider.on('backchannel.error', (_ctx, error, client) =>
    log(`[dev-idp] back-channel logout to ${client.clientId} failed: ${(error as Error).message}`),
  );

  const interactions = createInteractions(provider);
  const oidc = provider.callback();
  return {
    issuer,
    accessTokenFormat: format,
    provider,
    handle(req, res) {
      const { pathname } = new URL(req.url ?? '/', issuer);
      if (pathname.startsWith('/interaction/')) {
        interactions(req, res, pathname).catch((error: unknown) => {
          log(`[dev-idp] interaction failed: ${(error as Error).message}`);
          if (!res.headersSent) sendHtml(res, 500, page('Error', '<p>Something went wrong.</p>'));
        });
        return;
      }
      void oidc(req, res);
    },
  };

  function configuration(): Configuration {
    return {
      // One ES256 key (the dev issuer's) for ID tokens, JWT access tokens and logout tokens.
      jwks: { keys: [{ ...options.signingJwk, alg: 'ES256', use: 'sig' }] as never },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      acrValues: [...LADDER], // advertised as acr_values_supported
      // ID tokens only carry the claims of the granted scopes plus the requested ones, so by default
      // acr and auth_time appear only when acr_values / max_age asked for them, and amr never (it is
      // not even a supported claim). Tie all three to the openid scope so every ID token has them.
      // (Deep-merged with the defaults: acr, sid, auth_time, iss stay supported.)
      claims: { openid: ['sub', 'acr', 'amr', 'auth_time'] },
      responseTypes: ['code'],
      clientDefaults: {
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256', // also the default alg of JWT access tokens
      },
      clients: [
        {
          client_id: webClientId,
          application_type: 'web',
          token_endpoint_auth_method: 'none', // public: PKCE (S256) is then required by default
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: [...options.clients.web.redirectUris],
          post_logout_redirect_uris: [...(options.clients.web.postLogoutRedirectUris ?? [])],
          ...(options.clients.web.backchannelLogoutUri === undefined
            ? {}
            : {
                backchannel_logout_uri: options.clients.web.backchannelLogoutUri,
                // Also what makes oidc-provider put `sid` on codes, and so on tokens (Client#includeSid).
                backchannel_logout_session_required: true,
              }),
        },
        {
          client_id: gatewayClientId,
          client_secret: options.clients.gateway.clientSecret,
          token_endpoint_auth_method: 'client_secret_basic', // also how it authenticates to introspect
          grant_types: [],
          response_types: [],
          redirect_uris: [],
        },
      ],
      async findAccount(_ctx, sub) {
        if (!Object.hasOwn(DEV_USERS, sub)) return undefined;
        return { accountId: sub, claims: () => ({ sub }) };
      },
      interactions: {
        policy: interactionPolicyWithAcrBinding(),
        url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      },
      // First-party clients: never show a consent page, grant what is asked for (oidc-provider's
      // documented way to skip consent).
      async loadExistingGrant(ctx) {
        const { oidc } = ctx;
        const accountId = oidc.session!.accountId!;
        const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
        let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
        if (grant === undefined || grant.accountId !== accountId) {
          grant = new oidc.provider.Grant({ accountId, clientId: oidc.client!.clientId });
        }
        grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
        if (oidc.requestParamClaims) grant.addOIDCClaims([...oidc.requestParamClaims]);
        for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
          if (server.scope) grant.addResourceScope(indicator, server.scope);
        }
        await grant.save();
        return grant;
      },
      // RFC 9068 / RFC 7662: oidc-provider puts neither acr, amr, auth_time nor sid on access tokens.
      // They come from the grant source: the authorization code, or the refresh token (which copied
      // them from the code), so a refreshed access token keeps the original authentication.
      // For JWTs they become top-level claims; for opaque tokens they are stored as `extra` and
      // returned by introspection as top-level members.
      async extraTokenClaims(ctx, token) {
        if (token.kind !== 'AccessToken') return undefined; // client credentials: no user
        const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
        if (source === undefined) return undefined;
        return { acr: source.acr, amr: source.amr, auth_time: source.authTime, sid: token.sid };
      },
      // Refresh tokens for the web client without `offline_access` (which oidc-provider drops unless
      // prompt=consent): they then expire with the provider session, so logging out ends them too.
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      features: {
        devInteractions: { enabled: false }, // replaced by the pages below
        resourceIndicators: {
          enabled: true,
          defaultResource: (_ctx, _client, oneOf) => oneOf ?? gatewayResource,
          // Without this, a code requested with scope openid is exchanged for a userinfo-only opaque
          // token unless the client repeats `resource` at the token endpoint.
          useGrantedResource: () => true,
          getResourceServerInfo(_ctx, resourceIndicator) {
            if (resourceIndicator !== gatewayResource) throw new errors.InvalidTarget();
            return {
              scope: '',
              audience: gatewayAudience,
              accessTokenFormat: format,
              accessTokenTTL: ACCESS_TOKEN_TTL,
            };
          },
        },
        introspection: {
          enabled: true,
          // Only the gateway, and only for access tokens meant for it: anything else is `active: false`.
          allowedPolicy: (_ctx, client, token) =>
            client.clientId === gatewayClientId &&
            token.kind === 'AccessToken' &&
            ([] as unknown[]).concat(token.aud).includes(gatewayAudience),
        },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            ctx.type = 'html';
            ctx.body = page(
              'Sign out',
              `${form}<p>Sign out of the GutHib dev provider?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, only this application</button>`,
            );
          },
          postLogoutSuccessSource: (ctx) => {
            ctx.type = 'html';
            ctx.body = page('Signed out', '<p>You are signed out.</p>');
          },
        },
      },
      // The SSRF guard of oidc-provider 9 refuses to connect to special-use addresses, loopback
      // included, so a back-channel logout to a gateway on localhost would fail ("hostname resolves to
      // a special-use IP address"). Lift it for loopback URLs only.
      fetch: (url, init) => {
        const { hostname } = new URL(url instanceof Request ? url.url : url);
        if (hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.')) {
          const { dispatcher: _ssrfGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
          return fetch(url, rest);
        }
        return fetch(url, init);
      },
      clientBasedCORS: (_ctx, origin, client) =>
        client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false,
      renderError: (ctx, out) => {
        ctx.type = 'html';
        ctx.body = page('Error', `<p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`);
      },
      ttl: {
        AccessToken: ACCESS_TOKEN_TTL,
        AuthorizationCode: 60,
        ClientCredentials: ACCESS_TOKEN_TTL,
        IdToken: ACCESS_TOKEN_TTL,
        Interaction: 10 * 60,
        Grant: SESSION_TTL_REMEMBERED,
        Session: (_ctx, session) => (session.transient ? SESSION_TTL_TRANSIENT : SESSION_TTL_REMEMBERED),
        // A rotated refresh token keeps the remaining lifetime of the one it replaces.
        RefreshToken: (ctx, _token, _client) =>
          ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? SESSION_TTL_REMEMBERED,
      },
    };
  }
}

/**
 * The default policy plus an `acr_values` check in the login prompt (RFC 9470 §5).
 *
 * Requested level: the first value of `acr_values` this provider knows (the list is in order of
 * preference); unknown values are skipped; a higher level satisfies a lower one. When no listed value
 * is known the request fails at once with `unmet_authentication_requirements`, instead of asking the
 * user for something that can never satisfy it. When the user did authenticate in this interaction and
 * still falls short, it fails the same way, so it can never loop.
 *
 * With `prompt=none` an unmet level ends as `login_required`, like any other login check.
 * `max_age` keeps oidc-provider's own `max_age` check, which compares it with the session's loginTs.
 */
function interactionPolicyWithAcrBinding() {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.add(
    new interactionPolicy.Check(
      'acr_values_unmet',
      'the requested authentication context class requires End-User authentication',
      'login_required',
      (ctx) => {
        const required = requiredRank(ctx.oidc.params!['acr_values']);
        if (required === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        if (rankOf(acrOfThisRequest(ctx)) >= required) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        if (ctx.oidc.result?.login) {
          throw new errors.UnmetAuthenticationRequirements(
            `the authentication performed does not reach ${LADDER[required]}`,
          );
        }
        return interactionPolicy.Check.REQUEST_PROMPT;
      },
      (ctx) => ({ acr_values: ctx.oidc.params!['acr_values'] }),
    ),
  );
  return policy;
}

/** The rank of the level `acr_values` asks for; undefined when it asks for none. Throws when it asks only for unknown ones. */
function requiredRank(acrValues: unknown): number | undefined {
  if (typeof acrValues !== 'string' || acrValues.trim() === '') return undefined;
  const known = acrValues.split(' ').map(rankOf).filter((rank) => rank >= 0);
  if (known.length === 0) {
    throw new errors.UnmetAuthenticationRequirements(
      `none of the requested acr_values is supported; supported values: ${LADDER.join(' ')}`,
    );
  }
  return known[0];
}

/**
 * The acr this authorization request earns: what the user did in this interaction (the provider put
 * it on the session when the interaction ended), or bronze when only the session cookie was used.
 */
function acrOfThisRequest(ctx: KoaContextWithOIDC): string | undefined {
  const { session, result } = ctx.oidc;
  if (!session?.accountId) return undefined;
  return result?.login ? session.acr : ACR.bronze;
}

/**
 * oidc-provider stamps codes and ID tokens with `ctx.oidc.acr` / `ctx.oidc.amr`, which read the
 * session, i.e. the last login however long ago. When this request authenticated no one (single
 * sign-on on the cookie), shadow them with bronze and no amr just before the response is built.
 * `auth_time` stays the session's login time: it only moves when the user authenticates.
 */
function wireAcrOfThisRequest(provider: Provider): void {
  provider.on('authorization.accepted', (ctx) => {
    if (ctx.oidc.result?.login) return;
    Object.defineProperties(ctx.oidc, {
      acr: { value: ACR.bronze, configurable: true },
      amr: { value: undefined, configurable: true },
    });
  });
}

// --- The interaction pages ---------------------------------------------------------------------

/** After a correct password, while the TOTP code is awaited: keyed by interaction uid. */
interface PendingSecondFactor {
  readonly accountId: string;
  readonly remember: boolean;
  readonly expiresAt: number;
}

function createInteractions(provider: Provider) {
  const pending = new Map<string, PendingSecondFactor>();
  const lastTotpStep = new Map<string, number>(); // per account: a TOTP code is accepted once
  const totp = authenticator.clone({ window: 1 }); // ±30 s of clock drift

  return async function handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|otp|abort))?$/.exec(pathname);
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

    if (details.prompt.name === 'consent') return finish({ consent: { grantId: await grantAll(details) } }, true);
    if (details.prompt.name !== 'login') return finish({ error: 'access_denied', error_description: 'unsupported prompt' });

    // Which level the request needs; unknown-only acr_values never get this far (the check throws).
    const needsGold = (requiredRank(details.params['acr_values']) ?? -1) >= rankOf(ACR.gold);
    const client = String(details.params['client_id']);
    const hint = typeof details.params['login_hint'] === 'string' ? details.params['login_hint'] : details.session?.accountId;

    if (action === 'abort') {
      return finish({ error: 'access_denied', error_description: 'End-User aborted the sign-in' });
    }

    if (action === undefined) {
      const waiting = pending.get(uid);
      return waiting
        ? sendHtml(res, 200, otpPage(uid, waiting.accountId))
        : sendHtml(res, 200, passwordPage(uid, client, needsGold, hint, await rememberedBefore(details)));
    }

    const form = await readForm(req);

    if (action === 'login') {
      const username = form.get('username') ?? '';
      if (!checkPassword(username, form.get('password') ?? '')) {
        return sendHtml(res, 401, passwordPage(uid, client, needsGold, username, form.has('remember'), 'Wrong username or password.'));
      }
      const remember = form.get('remember') === 'yes';
      if (needsGold) {
        pending.set(uid, { accountId: username, remember, expiresAt: Date.now() + 5 * 60_000 });
        return redirect(res, `/interaction/${uid}`); // POST-redirect-GET to the TOTP step
      }
      return finish({ login: { accountId: username, acr: ACR.silver, amr: ['pwd'], remember, ts: epoch() } });
    }

    // action === 'otp'
    const waiting = pending.get(uid);
    if (!waiting) return redirect(res, `/interaction/${uid}`);
    if (!checkTotp(waiting.accountId, form.get('otp') ?? '')) {
      return sendHtml(res, 401, otpPage(uid, waiting.accountId, 'That code is not valid. Try the current one.'));
    }
    return finish({
      login: { accountId: waiting.accountId, acr: ACR.gold, amr: ['pwd', 'otp'], remember: waiting.remember, ts: epoch() },
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

function passwordPage(uid: string, client: string, needsGold: boolean, username = '', remember = false, error?: string): string {
  return page(
    'Sign in',
    `<p>to <b>${escapeHtml(client)}</b>${needsGold ? ': this request needs a password and a one-time code' : ''}.</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Username <input name="username" value="${escapeHtml(username)}" autocomplete="username" required autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<label class="inline"><input type="checkbox" name="remember" value="yes"${remember ? ' checked' : ''}> Remember me</label>
<button type="submit">Continue</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="link">Cancel</button></form>
<p class="dev">Dev users: ${Object.keys(DEV_USERS).map(escapeHtml).join(', ')}.</p>`,
  );
}

function otpPage(uid: string, accountId: string, error?: string): string {
  return page(
    'One-time code',
    `<p>Enter the 6-digit code from the authenticator app of <b>${escapeHtml(accountId)}</b>.</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/otp">
<label>Code <input name="otp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus></label>
<button type="submit">Verify</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="link">Cancel</button></form>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · GutHib dev provider</title>
<style>body{font:16px system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
input:not([type=checkbox]){display:block;width:100%;padding:.4rem;box-sizing:border-box}button{margin:.5rem 0;padding:.4rem 1rem}
.error{color:#b00020}.dev{color:#666;font-size:.85rem}.link{background:none;border:none;color:#06c;padding:0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

// --- small HTTP helpers ------------------------------------------------------------------------

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: browsers apply it to the redirect chain that ends at the client's redirect_uri.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function isAbsoluteUri(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && !url.href.includes('#');
}

const epoch = (): number => Math.floor(Date.now() / 1000);
