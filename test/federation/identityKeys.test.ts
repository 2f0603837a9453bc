import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/index.js';
import { startGutHibSubgraphs } from '../../examples/guthib/subgraphs/index.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { postGraphQL, T0 } from '../helpers/gateway.js';
import { startTestIssuer } from '../helpers/issuer.js';
import { SILENT } from '../helpers/logs.js';

const kidOf = async (gateway: Gateway) =>
  ((await (await fetch(gateway.identityJwksUrl!)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);

describe("the gateway's identity key", () => {
  it('survives a restart in dev mode: the same kid, kept in devKeyDir', async () => {
    const devKeyDir = join(mkdtempSync(join(tmpdir(), 'dev-keys-')), 'keys');
    const first = await startDevGateway({ file: { devKeyDir } });
    const before = await kidOf(first);
    await first.close();

    const second = await startDevGateway({ file: { devKeyDir } });
    const after = await kidOf(second);
    await second.close();

    expect(after).toEqual(before);
  });
});

describe('a subgraph helper in front of a gateway restarted with a new key', () => {
  const closing: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
  });

  it('trusts the new key at once: the gateway composes and serves within the JWKS cooldown of 30 s', async () => {
    const clock = () => T0;
    const issuer = await startTestIssuer({ now: clock });
    closing.push(() => issuer.close());
    const env = { HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience };
    let subgraphs: Awaited<ReturnType<typeof startGutHibSubgraphs>> | undefined;
    // Production mode without a keyFile: a key made for each process, so the restart changes the kid.
    const first = await startGateway(loadConfig({ ...env, PORT: '0' }), {
      logger: SILENT,
      clock,
      supergraph: async ({ identityJwksUrl, identityIssuer }) => {
        subgraphs = await startGutHibSubgraphs({ source: createInMemorySource(), clock, identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl } });
        return { kind: 'subgraphs', subgraphs: subgraphs.subgraphs };
      },
    });
    closing.push(() => subgraphs!.close());
    const port = new URL(first.identityJwksUrl!).port;
    const oldKid = await kidOf(first);
    await first.close();

    const second = await startGateway(loadConfig({ ...env, PORT: port }), {
      logger: SILENT,
      clock,
      supergraph: async () => ({ kind: 'subgraphs', subgraphs: subgraphs!.subgraphs }),
    });
    closing.push(() => second.close());

    expect(await kidOf(second)).not.toEqual(oldKid);
    expect((await postGraphQL(second.url, '{ repositories(first: 1) { name } }')).body).toEqual({ data: { repositories: [{ name: 'gut' }] } });
  });
});
