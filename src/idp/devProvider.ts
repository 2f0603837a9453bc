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
 * - Rich Authorization Requests (RFC 9396): the gateway's approvals are shown on the login page in words,
 *   approved by signing in (or on a page of their own when no login is needed), and carried by the access
 *   token of that one code exchange, never by a refreshed one.
 *
 * Never for production: fixed passwords and TOTP secrets, the dev signing key, everything in memory.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import Provider, { errors, type Configuration } from 'oidc-provider';
import { interactionPolicyWithAcrBinding, LADDER, wireAcrOfThisRequest } from './acrBinding.js';
import { richAuthorizationRequests } from './approvals.js';
import { DEV_USERS } from './devUsers.js';
import { createInteractions } from './interactions.js';
import { escapeHtml, page, sendHtml } from './pages.js';

export { ACR } from './acrBinding.js';
export { DEV_USERS };

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
  /**
   * RFC 9396 `authorization_details` types the provider accepts: the gateway's approval types (`approvalType`
   * of `@isAuthenticated`). Each must be `{ type, coordinate, arguments }`; it is shown to the user on the
   * login page, approved by signing in, and put in the access token. Default `["repository_transfer"]`.
   */
  readonly authorizationDetailTypes?: readonly string[];
}

export interface DevProvider {
  readonly issuer: string;
  readonly accessTokenFormat: 'jwt' | 'opaque';
  /** The underlying oidc-provider instance, for tests that need to look inside. */
  readonly provider: Provider;
  /** Serves the provider's endpoints and the login pages at the issuer's origin; `pathname` is the request target's path. Never rejects. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void>;
}

const ACCESS_TOKEN_TTL = 10 * 60;
const SESSION_TTL_REMEMBERED = 30 * 24 * 60 * 60; // "remember me": a persistent cookie for 30 days
const SESSION_TTL_TRANSIENT = 12 * 60 * 60; // otherwise a browser-session cookie, and 12 h at most server side

export async function createDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  const { issuer, gatewayAudience, gatewayResource } = options;
  const format = options.accessTokenFormat ?? 'jwt';
  const webClientId = options.clients.web.clientId ?? 'guthib-web';
  const gatewayClientId = options.clients.gateway.clientId ?? 'guthib-gateway';
  const log = options.log ?? ((message: string) => console.error(message));
  const approvalTypes = options.authorizationDetailTypes ?? ['repository_transfer'];
  if (!isAbsoluteUri(gatewayResource)) {
    throw new TypeError(`the resource indicator "${gatewayResource}" is not an absolute URI, which RFC 8707 requires`);
  }

  const provider = new Provider(issuer, configuration());
  wireAcrOfThisRequest(provider);
  provider.on('server_error', (_ctx, error) => log(`[dev-idp] server_error: ${(error as Error).message}`));
  provider.on('backchannel.error', (_ctx, error, client) => log(`[dev-idp] back-channel logout to ${client.clientId} failed: ${(error as Error).message}`));

  const interactions = createInteractions(provider);
  const oidc = provider.callback();
  return {
    issuer,
    accessTokenFormat: format,
    provider,
    async handle(req, res, pathname) {
      try {
        await (pathname.startsWith('/interaction/') ? interactions(req, res, pathname) : oidc(req, res));
      } catch (error) {
        log(`[dev-idp] request failed: ${(error as Error).message}`);
        if (!res.headersSent) sendHtml(res, 500, page('Error', '<p>Something went wrong.</p>'));
        else res.destroy();
      }
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
          // RFC 9396 §10: the authorization_details types this client may ask for (the gateway's approvals).
          authorization_details_types: [...approvalTypes],
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
            client.clientId === gatewayClientId && token.kind === 'AccessToken' && ([] as unknown[]).concat(token.aud).includes(gatewayAudience),
        },
        backchannelLogout: { enabled: true },
        richAuthorizationRequests: richAuthorizationRequests(approvalTypes) as never,
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
      clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false,
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
        RefreshToken: (ctx, _token, _client) => ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? SESSION_TTL_REMEMBERED,
      },
    };
  }
}

function isAbsoluteUri(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && !url.href.includes('#');
}
