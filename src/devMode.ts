/**
 * Dev mode (no `OIDC_ISSUER`): the gateway is its own OpenID Provider at its origin, signing with the dev
 * key, and serves the demo web app on an origin of its own. Loaded by `startGateway` only then: production
 * never loads oidc-provider or the demo.
 */
import { randomBytes } from 'node:crypto';
import type { DevKey } from './auth/devIssuer.js';
import type { Config } from './config.js';
import { createCors, type Cors } from './http/cors.js';
import { createDevProvider } from './idp/devProvider.js';
import { startDemoServer } from './demo/server.js';

/** RFC 8707 wants an absolute URI for the resource indicator; the tokens' `aud` is still OIDC_AUDIENCE. */
export const DEV_RESOURCE = 'urn:guthib:api';

export interface DevMode {
  readonly idp: Awaited<ReturnType<typeof createDevProvider>>;
  readonly demo: Awaited<ReturnType<typeof startDemoServer>>;
  /** The demo's origin, allowed by CORS unless the config's `cors` says otherwise. */
  readonly cors: Cors;
  /** The gateway's own client at the dev provider, for introspecting its opaque tokens. */
  readonly introspectionClient: { readonly id: string; readonly secret: string };
}

export async function startDevMode(options: {
  config: Config;
  devKey: DevKey;
  issuer: string;
  origin: string;
  warn: (message: string) => void;
  /** The served graph's approval types (`approvalType`), which the provider accepts as authorization_details. */
  approvalTypes: readonly string[];
}): Promise<DevMode> {
  const { config, devKey, issuer, origin, warn } = options;
  // Tokens from the provider's login pages and from `step-up-gateway token` are the same kind of token.
  const secret = randomBytes(24).toString('base64url');
  const port = config.port === 0 || config.port === 65_535 ? 0 : config.port + 1;
  const demo = await startDemoServer({ host: config.host, port, issuer, graphql: `${origin}/graphql`, ladder: config.ladder, warn });
  const idp = await createDevProvider({
    issuer,
    signingJwk: devKey.privateJwk,
    gatewayAudience: config.audience,
    gatewayResource: DEV_RESOURCE,
    accessTokenFormat: config.opaqueTokens ? 'opaque' : 'jwt',
    clients: {
      web: {
        redirectUris: [`${issuer}/`, demo.redirectUri],
        postLogoutRedirectUris: [`${issuer}/`, demo.url],
        backchannelLogoutUri: `${issuer}/backchannel-logout`,
      },
      gateway: { clientSecret: secret },
    },
    log: warn,
    authorizationDetailTypes: options.approvalTypes.length === 0 ? undefined : options.approvalTypes,
  });
  return { idp, demo, cors: createCors({ origins: [demo.origin], credentials: false }), introspectionClient: { id: 'guthib-gateway', secret } };
}
