/**
 * The federated benchmark's fixed back end, shared by every gateway of BENCH_SET=gateways:
 *  - one Ed25519 identity key (a private JWK file, `subgraphIdentity.keyFile` for this gateway), its public
 *    half served as a JWKS on loopback by this process, so both subgraphs verify every gateway's identities
 *    against the same key in the same way;
 *  - the two GutHib subgraphs (`examples/guthib/subgraphs/serve.ts accounts|repositories`), each its own
 *    process, started once and kept for the whole bench; each writes one JSON line per received document
 *    (`{"subgraph","query","sub"}`) to a log file, which is how subgraph requests are counted;
 *  - the supergraph, composed once with `src/federation/compose.ts` from their `_service { sdl }`, written
 *    to a file that every gateway loads;
 *  - static identities for the gateways that cannot sign per request (Hive, Apollo Gateway, the plain
 *    stack (G3)): one per subgraph, alice at level HIGH, valid 2 h, of the deprecated pre-transaction-
 *    token kind (`step-up-identity+jwt`), which the subgraphs accept here (GATEWAY_ACCEPT_LEGACY_IDENTITY=1)
 *    while they check G4's per-request transaction tokens in full.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, ftruncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { composeSupergraph } from '../src/federation/compose.js';
import { LEGACY_IDENTITY_HEADER, LEGACY_IDENTITY_TYPE } from '../src/federation/identity.js';

export const SUBGRAPH_NAMES = ['accounts', 'repositories'] as const;

/**
 * The federated benches' queries. `small`: the three-repository answer. `realistic` (the subgraphs started
 * with GUTHIB_REPOSITORIES=100): 50 repositories joined to their owners in the other subgraph and back to
 * each owner's 20 repositories, 1 000 repositories and 55 users in one answer (~45 KB).
 */
export const GATEWAY_QUERIES = {
  small: '{ repositories { name stars owner { login } } viewer { login email } }',
  realistic:
    '{ repositories(first: 50) { name stars description owner { login name repositories { name stars } } } viewer { login email repositories { name } } }',
} as const;
export type Payload = keyof typeof GATEWAY_QUERIES;

/** BENCH_PAYLOAD (small | realistic): which query, and for `realistic` the subgraphs' generated data. */
export function payloadFromEnv(): Payload {
  const payload = process.env['BENCH_PAYLOAD'] ?? 'small';
  if (payload !== 'small' && payload !== 'realistic') throw new TypeError(`BENCH_PAYLOAD must be small or realistic; got ${payload}`);
  if (payload === 'realistic') process.env['GUTHIB_REPOSITORIES'] = '100';
  return payload;
}
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
/** `subgraphIdentity.issuer`'s default, and the subgraphs' GATEWAY_ISSUER default. */
export const IDENTITY_ISSUER = 'step-up-gateway';
const ROOT = resolve(import.meta.dirname, '..');

/** One line of a subgraph's log. */
export interface Received {
  readonly subgraph: string;
  readonly query: string;
  readonly sub: string | null;
}

interface SubgraphProcess {
  readonly name: SubgraphName;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly logFd: number;
}

export interface Backend {
  readonly dir: string;
  /** The identity key (Ed25519 private JWK) for this gateway's `subgraphIdentity.keyFile`. */
  readonly keyFile: string;
  readonly supergraphFile: string;
  readonly subgraphs: ReadonlyArray<{ readonly name: SubgraphName; readonly url: string; readonly pid: number }>;
  /** Writes static identities (`{ accounts: jwt, repositories: jwt }`) to a file and returns its path. */
  writeStaticIdentities(claims?: Record<string, unknown>): Promise<string>;
  /** What a gateway bench server is started with: the supergraph file, fresh static identities, the identity key. */
  gatewayEnv(): Promise<Record<string, string>>;
  /** Reads and forgets what the subgraphs logged since the last call (the log files are truncated). */
  drain(): Received[];
  /** Counts and forgets the logged documents since the last call, without parsing them. */
  drainCount(): number;
  close(): Promise<void>;
}

async function serveJwks(publicJwk: JWK): Promise<{ server: Server; url: string }> {
  const body = JSON.stringify({ keys: [publicJwk] });
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(body));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/gateway-jwks.json` };
}

async function startSubgraph(name: SubgraphName, dir: string, jwksUrl: string, cpu: number | undefined): Promise<SubgraphProcess> {
  const logFile = join(dir, `${name}.log`);
  // O_APPEND: the subgraph always writes at the end, so the bench may truncate the file between runs.
  const logFd = openSync(logFile, 'a');
  const nodeArgs = ['--import', 'tsx', 'examples/guthib/subgraphs/serve.ts', name];
  const [cmd, args] = cpu === undefined ? ['node', nodeArgs] : ['taskset', ['-c', String(cpu), 'node', ...nodeArgs]];
  const child = spawn(cmd, args as string[], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', GATEWAY_JWKS_URL: jwksUrl, GATEWAY_ISSUER: IDENTITY_ISSUER, GATEWAY_ACCEPT_LEGACY_IDENTITY: '1' },
    stdio: ['ignore', logFd, 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /^listening (\S+)$/m.exec(readFileSync(logFile, 'utf8'));
    if (match) {
      ftruncateSync(logFd, 0);
      return { name, url: match[1]!, pid: child.pid!, child, logFile, logFd };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`subgraph ${name} did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function signer(privateJwk: JWK) {
  const key = await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA');
  return (audience: string, claims: Record<string, unknown>, ttl: number) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: LEGACY_IDENTITY_TYPE, kid: privateJwk.kid! })
      .setIssuer(IDENTITY_ISSUER)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(key);
  };
}

/** Starts the JWKS server and both subgraphs (on `cpu`, when given), and composes the supergraph. */
export async function startBackend(options: { cpu?: number | undefined } = {}): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-federation-'));
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const { d: _d, ...publicBase } = privateJwk;
  privateJwk.kid = await calculateJwkThumbprint(publicBase);
  const publicJwk: JWK = { ...publicBase, kid: privateJwk.kid, alg: 'EdDSA', use: 'sig' };
  const keyFile = join(dir, 'identity-key.json');
  writeFileSync(keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  const sign = await signer(privateJwk);

  const jwks = await serveJwks(publicJwk);
  const started: SubgraphProcess[] = [];
  try {
    for (const name of SUBGRAPH_NAMES) started.push(await startSubgraph(name, dir, jwks.url, options.cpu));
  } catch (error) {
    for (const s of started) s.child.kill('SIGTERM');
    jwks.server.close();
    throw error;
  }

  const sdls = await Promise.all(
    started.map(async ({ name, url }) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [LEGACY_IDENTITY_HEADER]: await sign(name, { passed: [] }, 60) },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      const body = (await res.json()) as { data?: { _service?: { sdl?: string } } };
      const sdl = body.data?._service?.sdl;
      if (typeof sdl !== 'string') throw new Error(`subgraph ${name}: no SDL (${JSON.stringify(body)})`);
      return { name, url, sdl };
    }),
  );
  const supergraphFile = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphFile, composeSupergraph(sdls));

  const drainFile = (s: SubgraphProcess): string => {
    const text = readFileSync(s.logFile, 'utf8');
    ftruncateSync(s.logFd, 0);
    return text;
  };
  const backend: Backend = {
    dir,
    keyFile,
    supergraphFile,
    subgraphs: started.map(({ name, url, pid }) => ({ name, url, pid })),
    async writeStaticIdentities(claims) {
      const now = Math.floor(Date.now() / 1000);
      const fixed = claims ?? { sub: 'alice', acr: 'urn:mace:incommon:iap:gold', auth_time: now, level: 'HIGH', passed: [] };
      const identities = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await sign(name, fixed, 7200)])));
      const file = join(dir, `identities-${now}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(identities));
      return file;
    },
    async gatewayEnv() {
      return { BENCH_SUPERGRAPH: supergraphFile, BENCH_IDENTITIES: await backend.writeStaticIdentities(), BENCH_IDENTITY_KEY: keyFile };
    },
    drain() {
      return started.flatMap((s) =>
        drainFile(s)
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Received),
      );
    },
    drainCount() {
      let count = 0;
      for (const s of started) {
        if (statSync(s.logFile).size === 0) continue;
        const text = drainFile(s);
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
      }
      return count;
    },
    async close() {
      await Promise.all(
        started.map(async (s) => {
          if (s.child.exitCode === null) {
            s.child.kill('SIGTERM');
            await once(s.child, 'exit');
          }
          closeSync(s.logFd);
        }),
      );
      jwks.server.close();
    },
  };
  return backend;
}
