/**
 * The gateway's cost of a transaction token per subgraph request, in µs, on this machine:
 *
 *   npx tsx bench/txnSign.ts
 *
 * - parse: reading the query, operation name and variables back from the body the executor built;
 * - digest: `req_digest` (RFC 8785 form + SHA-256) of that request;
 * - sign: the whole token (per-caller tctx cached, fresh txn, digest, Ed25519 signature), what
 *   src/federation/subgraphCall.ts pays per subgraph request on top of the fetch;
 * - jose SignJWT: the same claims signed with jose, for comparison (what a cache miss cost before).
 * And on the subgraph's side, jose's jwtVerify of one token plus the digest check.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { createIdentitySigner, requestDigest, TXN_TOKEN_TYPE } from '../src/federation/identity.js';
import { sentRequest } from '../src/federation/sentRequest.js';

const N = Number(process.env['BENCH_N'] ?? 20_000);
const claims = { sub: 'alice', acr: 'urn:mace:incommon:iap:gold', auth_time: 1_800_000_000, level: 'HIGH', client_id: 'guthib-web', passed: [] };
// The federated bench's query, as the executor sends its part to repositories.
const body = JSON.stringify({ query: 'query ($first: Int) { repositories(first: $first) { name stars owner { __typename id } } }', variables: { first: 10 } });
const now = Math.floor(Date.now() / 1000);

async function time(label: string, run: (i: number) => unknown): Promise<void> {
  for (let i = 0; i < N / 10; i++) await run(i);
  const started = performance.now();
  for (let i = 0; i < N; i++) await run(i);
  console.log(`${label.padEnd(34)} ${(((performance.now() - started) * 1000) / N).toFixed(1).padStart(7)} µs`);
}

const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const privateJwk = await exportJWK(privateKey);
const keyFile = join(mkdtempSync(join(tmpdir(), 'txn-sign-')), 'key.json');
writeFileSync(keyFile, JSON.stringify(privateJwk));
const signer = await createIdentitySigner({ issuer: 'step-up-gateway', keyFile });
const claimsKey = JSON.stringify(claims);
const request = sentRequest(body)!;
const key = await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA');
const keys = createLocalJWKSet(signer.jwks as never);
const token = signer.sign(claims, 'repositories', now, request, claimsKey);

console.log(`node ${process.version}, ${N} iterations each`);
await time('parse the sent body', () => sentRequest(body));
await time('req_digest', () => requestDigest(request));
await time('sign (parse + digest + Ed25519)', () => signer.sign(claims, 'repositories', now, sentRequest(body)!, claimsKey));
await time('jose SignJWT, same claims', () =>
  new SignJWT({ ...claims, txn: 'x', req_digest: 'y' })
    .setProtectedHeader({ alg: 'EdDSA', typ: TXN_TOKEN_TYPE })
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key),
);
await time('subgraph: jwtVerify + digest', async () => {
  await jwtVerify(token, keys, { issuer: 'step-up-gateway', audience: 'repositories', currentDate: new Date(now * 1000) });
  return requestDigest(request);
});
