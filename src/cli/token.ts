/**
 * `step-up-gateway token --sub alice --acr HIGH --auth-age 30` (`npm run token -- …` in this repository):
 * prints an access token signed by the dev issuer, for the gateway in dev mode on this machine. A thin
 * shell over `mintDevToken`.
 */
import { parseArgs } from 'node:util';
import { mintDevToken, loadDevKey } from '../auth/devIssuer.js';
import { loadConfig } from '../config.js';
import { devIssuerUrl } from '../server.js';
import { createLadder } from '../stepup/ladder.js';
import type { Output } from './policy.js';
import { TOKEN_USAGE } from './usage.js';
import { UsageError } from './usageError.js';

export async function runToken(argv: readonly string[], io: Output): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sub: { type: 'string' },
      acr: { type: 'string' },
      'auth-age': { type: 'string', default: '0' },
      'no-auth-time': { type: 'boolean', default: false },
      ttl: { type: 'string', default: '3600' },
      'client-id': { type: 'string' },
      'authorization-details': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return (io.out(`${TOKEN_USAGE}\n`), 0);
  if (values.sub === undefined || values.sub === '') throw new UsageError('--sub is required');
  const authAge = seconds(values['auth-age'], '--auth-age');
  const ttl = seconds(values.ttl, '--ttl');
  const authorizationDetails = values['authorization-details'] === undefined ? undefined : detailsOf(values['authorization-details']);

  const config = loadConfig(process.env);
  if (config.issuer !== undefined) {
    throw new UsageError('OIDC_ISSUER is set: tokens come from that provider, not from the dev issuer');
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
    authorizationDetails,
  });
  io.out(`${token}\n`);
  return 0;
}

function seconds(value: string, flag: string): number {
  const number = Number(value);
  if (!(Number.isSafeInteger(number) && number >= 0)) throw new UsageError(`${flag} must be a whole number of seconds`);
  return number;
}

/** `--authorization-details`: a JSON array of objects, each with a string `type` (RFC 9396 §2). */
function detailsOf(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError('--authorization-details must be JSON: an array of objects such as [{"type":"repository_transfer",…}]');
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((detail) => detail !== null && typeof detail === 'object' && typeof (detail as { type?: unknown }).type === 'string')
  ) {
    throw new UsageError('--authorization-details must be an array of objects, each with a string "type" (RFC 9396)');
  }
  return parsed;
}
