/**
 * The seeded users. Fixed on purpose so that tests can log in and compute TOTP codes with
 * `authenticator.generate(DEV_USERS.alice.totpSecret)` (otplib 12, RFC 6238 defaults: SHA-1, 6 digits, 30 s).
 */
export const DEV_USERS: Readonly<Record<string, { readonly password: string; readonly totpSecret: string }>> = Object.freeze({
  alice: Object.freeze({ password: 'alice-dev-password', totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD' }),
  bob: Object.freeze({ password: 'bob-dev-password', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' }),
});
