/**
 * `npm run token -- --sub alice --acr HIGH --auth-age 30`: prints an access token signed by the
 * dev issuer, for the gateway `npm start` runs on this machine. A thin shell over `mintDevToken`.
 */
import { parseArgs } from 'node:util';
import { mintDevToken, loadDevKey } from '../auth/devIssuer.js';
import { loadConfig } from '../config.js';
import { devIssuerUrl } from '../server.js';
import { createLadder } from '../stepup/ladder.js';

const USAGE = `usage: npm run token -- --sub <login> [--acr <LEVEL|acr string>] [--auth-age <seconds>] [--no-auth-time] [--ttl <seconds>] [--client-id <id>]

  --sub          the user (alice or bob in the seeded data)
  --acr          a ladder level (LOW, MEDIUM, HIGH) or a raw acr string; none when absent
  --auth-age     how many seconds ago the user authenticated (default 0)
  --no-auth-time leave auth_time out of the token
  --ttl          seconds the token lives (default 3600)
  --client-id    the client_id claim (default guthib-web)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      acr: { type: 'string' },
      'auth-age': { type: 'string', default: '0' },
      'no-auth-time': { type: 'boolean', default: false },
      ttl: { type: 'string', default: '3600' },
      'client-id': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return void console.log(USAGE);
  if (values.sub === undefined || values.sub === '') throw new TypeError('--sub is required');
  const authAge = seconds(values['auth-age'], '--auth-age');
  const ttl = seconds(values.ttl, '--ttl');

  const config = loadConfig(process.env);
  if (config.issuer !== undefined) {
    throw new TypeError('OIDC_ISSUER is set: tokens come from that provider, not from the dev issuer');
  }
  const ladder = createLadder(config.ladder);
  const acr = values.acr === undefined ? undefined : (ladder.byName.get(values.acr)?.acr ?? values.acr);
  const now = Math.floor(Date.now() / 1000);
  const token = await mintDevToken(await loadDevKey(config.devKeyDir), {
    issuer: devIssuerUrl(config.port),
    audience: config.audience,
    subject: values.sub,
    acr,
    authTime: values['no-auth-time'] ? undefined : now - authAge,
    now,
    ttl,
    clientId: values['client-id'],
  });
  console.log(token);
}

function seconds(value: string, flag: string): number {
  const number = Number(value);
  if (!(Number.isSafeInteger(number) && number >= 0)) throw new TypeError(`${flag} must be a whole number of seconds`);
  return number;
}

main().catch((error: unknown) => {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
});
