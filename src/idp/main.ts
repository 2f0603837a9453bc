/**
 * `npm run idp`: the development OpenID Provider on its own (default port 4001), for a gateway started
 * with OIDC_ISSUER=http://localhost:4001. In plain `npm start` dev mode the gateway serves it itself.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { loadDevKey } from '../auth/devIssuer.js';
import { loadConfig } from '../config.js';
import { requestUrl, sendErrors } from '../http/respond.js';
import { createDevProvider, DEV_USERS } from './devProvider.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4001' },
      gateway: { type: 'string', default: 'http://localhost:4000' },
      opaque: { type: 'boolean', default: false },
    },
  });
  const config = loadConfig({ ...process.env, OIDC_ISSUER: undefined });
  const port = Number(values.port);
  const issuer = `http://localhost:${port}`;
  const secret = process.env['OIDC_CLIENT_SECRET'] ?? 'dev-gateway-secret';
  const provider = await createDevProvider({
    issuer,
    signingJwk: (await loadDevKey(config.devKeyDir)).privateJwk,
    gatewayAudience: config.audience,
    gatewayResource: 'urn:guthib:api',
    accessTokenFormat: values.opaque ? 'opaque' : 'jwt',
    clients: {
      web: {
        redirectUris: [`${values.gateway}/`],
        postLogoutRedirectUris: [`${values.gateway}/`],
        backchannelLogoutUri: `${values.gateway}/backchannel-logout`,
      },
      gateway: { clientSecret: secret },
    },
  });
  createServer((req, res) => {
    const url = requestUrl(req.url);
    if (url === undefined) sendErrors(res, 400, 'BAD_REQUEST', 'The request target is not a valid URL', { connection: 'close' });
    else void provider.handle(req, res, url.pathname);
  }).listen(port, 'localhost', () => {
    console.log(`Dev OpenID Provider at ${issuer} (never for production)`);
    for (const [user, { password, totpSecret }] of Object.entries(DEV_USERS)) {
      console.log(`  ${user}: password ${password}, TOTP secret ${totpSecret}`);
    }
    console.log(`Point a gateway at it: OIDC_ISSUER=${issuer} OIDC_AUDIENCE=${config.audience} npm start`);
  });
}

main().catch((error: unknown) => {
  console.error(`The provider cannot start: ${(error as Error).message}`);
  process.exit(1);
});
