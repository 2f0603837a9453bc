import fc from 'fast-check';
import { base64url, createLocalJWKSet, decodeProtectedHeader, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/verifyToken.js';
import type { TokenOutcome } from '../../src/auth/principal.js';
import { T0 } from '../helpers/gateway.js';
import { makeKey, type TestKey } from '../helpers/issuer.js';
import { report, SEED } from './seed.js';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'guthib-api';
let key: TestKey;
let verifier: TokenVerifier;
let valid: string;

beforeAll(async () => {
  key = await makeKey('prop-key');
  verifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: createLocalJWKSet({ keys: [key.publicJwk] }), clock: () => T0, cacheSize: 0 });
  valid = await sign({ acr: 'urn:mace:incommon:iap:gold', auth_time: T0 - 10 });
});

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', exp: T0 + 600, ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header })
    .sign(key.privateKey);
}

const segments = (token: string) => token.split('.').map((part) => base64url.decode(part));
const join = (parts: Uint8Array[]) => parts.map((part) => base64url.encode(part)).join('.');
const RUN = { seed: SEED, numRuns: 400, interruptAfterTimeLimit: 15_000 } as const;

/** What every outcome must look like, whatever was sent: no throw, a known kind, sane claims. */
function wellFormed(outcome: TokenOutcome): boolean {
  if (outcome.kind === 'invalid') return typeof outcome.reason === 'string' && !outcome.reason.includes('"');
  if (outcome.kind !== 'principal') return false;
  const { subject, authTime, acr } = outcome.principal;
  return typeof subject === 'string' && (authTime === undefined || Number.isFinite(authTime)) && (acr === undefined || typeof acr === 'string');
}

describe('the token parser under hostile input', () => {
  it('refuses random strings and random bytes, never throwing', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]{0,90}$/)),
        async (token) => {
          tried += 1;
          const outcome = await verifier.verify(token);
          return outcome.kind === 'invalid' && wellFormed(outcome);
        },
      ),
      RUN,
    );
    report('random tokens', tried);
  });

  it('refuses a valid token with any byte of its header, payload or signature changed', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(2), fc.nat(), fc.integer({ min: 1, max: 255 }), async (segment, position, xor) => {
        tried += 1;
        const parts = segments(valid);
        const bytes = parts[segment]!;
        bytes[position % bytes.length] ^= xor;
        const outcome = await verifier.verify(join(parts));
        return outcome.kind === 'invalid' && wellFormed(outcome);
      }),
      RUN,
    );
    report('byte-mutated tokens', tried);
  });

  it('refuses alg, kid, jku, x5u, crit and typ injected into the header without the key', async () => {
    const injected = fc.record(
      {
        alg: fc.constantFrom('none', 'HS256', 'HS512', 'RS256', 'ES256', 'EdDSA', 'NONE', ''),
        kid: fc.oneof(fc.string(), fc.constant('prop-key'), fc.constant('../../etc/passwd')),
        jku: fc.webUrl(),
        x5u: fc.webUrl(),
        crit: fc.array(fc.constantFrom('exp', 'b64', 'jku', 'zip')),
        typ: fc.constantFrom('at+jwt', 'JWT', 'id_token+jwt', 'none'),
      },
      { requiredKeys: [] },
    );
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(injected, async (extra) => {
        tried += 1;
        const [, payload, signature] = valid.split('.');
        const header = base64url.encode(JSON.stringify({ ...decodeProtectedHeader(valid), ...extra }));
        // Nothing injected (an empty record, or the same values): the valid token itself, which must pass.
        if (header === valid.split('.')[0]) return true;
        const outcome = await verifier.verify(`${header}.${payload}.${signature}`);
        return outcome.kind === 'invalid' && wellFormed(outcome);
      }),
      RUN,
    );
    report('header injections', tried);
  });

  it('copes with hostile claims signed with the real key: huge numbers, wrong types, nesting, duplicate keys', async () => {
    const hostileValue = fc.oneof(
      fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER, -1, 0.5, '1800000000', null, true),
      fc.jsonValue({ maxDepth: 4 }),
      fc.string({ unit: 'binary' }),
    );
    const claims = fc.dictionary(fc.constantFrom('sub', 'acr', 'auth_time', 'exp', 'nbf', 'iat', 'aud', 'iss', 'client_id', 'azp'), hostileValue);
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(claims, async (overrides) => {
        tried += 1;
        const outcome = await verifier.verify(await sign(overrides));
        return wellFormed(outcome);
      }),
      { ...RUN, numRuns: 200 },
    );
    report('hostile claims', tried);
  });

  it('refuses a payload with duplicate keys, deep nesting or invalid UTF-8 unless it verifies as sent', async () => {
    const [header] = valid.split('.');
    const payloads = [
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","sub":"bob","exp":${T0 + 600}}`,
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":${T0 + 600},"x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      '{"iss":"\u00ff\u00fe',
    ];
    const outcomes = await Promise.all(
      [...payloads.map((text) => new TextEncoder().encode(text)), Uint8Array.from([0xff, 0xfe, 0xfd, 0x7b])].map((bytes) =>
        verifier.verify(`${header}.${base64url.encode(bytes)}.${valid.split('.')[2]}`),
      ),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
  });
});
