/** `step-up-gateway totp alice` (`npm run totp -- alice` here): a dev user's current TOTP code (RFC 6238, as an authenticator app shows it). */
import { authenticator } from 'otplib';
import { DEV_USERS } from '../idp/devUsers.js';
import type { Output } from './policy.js';
import { TOTP_USAGE } from './usage.js';
import { UsageError } from './usageError.js';

export function runTotp(argv: readonly string[], io: Output): number {
  if (argv.includes('--help') || argv.includes('-h')) return (io.out(`${TOTP_USAGE}\n`), 0);
  if (argv.length > 1) throw new UsageError(`totp takes one user, not ${argv.length}`);
  const user = argv[0] ?? 'alice';
  const secret = DEV_USERS[user]?.totpSecret;
  if (secret === undefined) throw new UsageError(`unknown dev user ${user}; known: ${Object.keys(DEV_USERS).join(', ')}`);
  io.out(`${authenticator.generate(secret)}\n`);
  return 0;
}
