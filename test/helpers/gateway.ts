import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createGutHibGraph, createInMemorySource, type GutHibSource } from '../../examples/guthib/index.js';
import { withRedisStarEvents } from '../../examples/guthib/redisStarEvents.js';
import { startGutHibSubgraphs } from '../../examples/guthib/subgraphs/index.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';
import { capturedLogger } from './logs.js';

/** 2027-01-15T08:00:00Z: every test runs on this fixed clock unless it moves it. */
export const T0 = 1_800_000_000;

export const GOLD = 'urn:mace:incommon:iap:gold';
export const SILVER = 'urn:mace:incommon:iap:silver';
export const BRONZE = 'urn:mace:incommon:iap:bronze';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> & { data?: unknown; errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }> };
}

/** A document a subgraph received, with the identity it came with. */
export interface ReceivedDocument {
  readonly subgraph: string;
  readonly query: string;
  readonly variables: unknown;
  readonly sub: string | undefined;
  /** The approvals (`authorization_details`) the gateway's identity says it consumed for this operation. */
  readonly approved: unknown;
}

export interface Harness {
  readonly gateway: Gateway;
  readonly issuer: TestIssuer;
  readonly source: GutHibSource;
  /** Federated: every document the example's subgraphs received (`_service` excepted), oldest first. */
  readonly received: ReceivedDocument[];
  /** The gateway's log stream, each JSON line parsed: the audit trail and the request lines. */
  readonly logs: Array<Record<string, unknown>>;
  /** Moves the shared clock (seconds since the epoch). */
  setNow(now: number): void;
  /** The shared clock's time now. */
  now(): number;
  /** POSTs a GraphQL request over real HTTP. */
  post(query: string, options?: { token?: string; variables?: Record<string, unknown>; authorization?: string }): Promise<Answer>;
  /** POSTs any JSON body over real HTTP. */
  send(body: unknown, options?: { token?: string }): Promise<Answer>;
  close(): Promise<void>;
}

/** Writes a config file to a temporary folder and returns its path, for `STEP_UP_CONFIG`. */
export function writeConfigFile(value: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'guthib-config-')), 'step-up.config.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/**
 * A gateway in production mode on port 0, trusting a real issuer on loopback, on a fixed clock.
 * `file` becomes its config file; `env` adds environment variables (REDIS_URL, …).
 */
export async function startHarness(
  options: { file?: object; env?: Record<string, string>; mode?: 'federated' | 'local'; starEventsRedisUrl?: string } = {},
): Promise<Harness> {
  let now = T0;
  const clock = () => now;
  const issuer = await startTestIssuer({ now: clock });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    OIDC_ISSUER: issuer.issuer,
    OIDC_AUDIENCE: issuer.audience,
    ...(options.file === undefined ? {} : { STEP_UP_CONFIG: writeConfigFile(options.file) }),
    ...options.env,
  });
  // Star events over Redis: the local graph's source is wrapped here; the repositories subgraph wraps its own.
  const local = options.mode === 'local' || (options.mode === undefined && process.env['HARNESS_MODE'] === 'local');
  const events =
    local && options.starEventsRedisUrl !== undefined ? withRedisStarEvents(createInMemorySource(), { url: options.starEventsRedisUrl }) : undefined;
  const source = events?.source ?? createInMemorySource();
  const received: ReceivedDocument[] = [];
  const { logger, lines: logs } = capturedLogger();
  let subgraphs: { close(): Promise<void> } | undefined;
  // The HTTP contract holds in front of subgraphs: by default the example runs federated, as `npm start` runs it.
  const mode = local ? 'local' : 'federated';
  const gateway = await startGateway(
    config,
    mode === 'local'
      ? { graph: createGutHibGraph({ source }), clock, logger }
      : {
          clock,
          logger,
          supergraph: async ({ identityJwksUrl, identityIssuer }) => {
            const running = await startGutHibSubgraphs({
              source,
              clock,
              identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl },
              redisUrl: options.starEventsRedisUrl,
              onRequest: (entry) => {
                if (!entry.query.includes('_service'))
                  received.push({
                    subgraph: entry.subgraph,
                    query: entry.query,
                    variables: entry.variables,
                    sub: entry.identity.sub,
                    approved: entry.identity.authorization_details,
                  });
              },
            });
            subgraphs = running;
            return { kind: 'subgraphs', subgraphs: running.subgraphs };
          },
        },
  );
  return {
    gateway,
    issuer,
    source,
    received,
    logs,
    setNow(value) {
      now = value;
    },
    now: clock,
    post: (query, options = {}) => postGraphQL(gateway.url, query, options),
    send: (body, options = {}) => sendJson(gateway.url, body, options.token),
    async close() {
      await gateway.close();
      await subgraphs?.close();
      await events?.close();
      await issuer.close();
    },
  };
}

export async function sendJson(url: string, body: unknown, token?: string, authorization?: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const credentials = authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
  if (credentials !== undefined) headers['authorization'] = credentials;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

export function postGraphQL(
  url: string,
  query: string,
  options: { token?: string; variables?: Record<string, unknown>; authorization?: string } = {},
): Promise<Answer> {
  return sendJson(url, { query, variables: options.variables }, options.token, options.authorization);
}

/**
 * The approval of one transfer, as the example's `transferRepositoryOwnership` binds it: what a token must carry to
 * run it. Its keys are in canonical (RFC 8785) order, so `JSON.stringify` of it is what the gateway compares and sends.
 */
export function transferApproval(repositoryId: string, newOwner: string): { arguments: Record<string, string>; coordinate: string; type: string } {
  return { arguments: { newOwner, repositoryId }, coordinate: 'Mutation.transferRepositoryOwnership', type: 'repository_transfer' };
}
