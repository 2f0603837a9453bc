/** `npm run totp -- alice`: the current TOTP code of a seeded dev user (RFC 6238, as an authenticator app shows it). */
import { authenticator } from 'otplib';
import { DEV_USERS } from '../idp/devUsers.js';

const user = process.argv[2] ?? 'alice';
const secret = DEV_USERS[user]?.totpSecret;
if (secret === undefined) {
  console.error(`unknown dev user ${user}; known: ${Object.keys(DEV_USERS).join(', ')}`);
  process.exit(2);
}
console.log(authenticator.generate(secret));
