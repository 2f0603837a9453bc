import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { postGraphQL } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { createGutHibGraph } from '../../examples/guthib/index.js';
import { SILENT } from '../helpers/logs.js';

const now = () => Math.floor(Date.now() / 1000);
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ now });
});
afterAll(() => issuer.close());

/** A gateway trusting `issuerUrl`, whose log lines are collected. */
async function gatewayFor(issuerUrl: string): Promise<{ gateway: Gateway; lines: string[] }> {
  const lines: string[] = [];
  const gateway = await startGateway(loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuerUrl, OIDC_AUDIENCE: issuer.audience }), {
    logger: SILENT,
    graph: createGutHibGraph(),
    warn: (message) => lines.push(`warn: ${message}`),
    log: (message) => lines.push(`log: ${message}`),
  });
  return { gateway, lines };
}

/** Waits until a line matching `pattern` is logged (keys load in the background). */
async function lineMatching(lines: string[], pattern: RegExp): Promise<string | undefined> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const line = lines.find((candidate) => pattern.test(candidate));
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

describe('what the log says about the issuer', () => {
  it('says at start-up how many signing keys it loaded', async () => {
    const { gateway, lines } = await gatewayFor(issuer.issuer);
    try {
      expect(await lineMatching(lines, /issuer/)).toBe(`log: issuer ${issuer.issuer}: 1 signing key(s) loaded`);
    } finally {
      await gateway.close();
    }
  });

  it('names both issuer strings at start-up when discovery announces another one (a trailing slash)', async () => {
    const { gateway, lines } = await gatewayFor(`${issuer.issuer}/`);
    try {
      expect(await lineMatching(lines, /issuer/)).toBe(
        `warn: issuer ${issuer.issuer}/ cannot be used yet: the discovery document names the issuer "${issuer.issuer}", but OIDC_ISSUER is "${issuer.issuer}/"; they must be identical; tokens are answered 503 until it can`,
      );
    } finally {
      await gateway.close();
    }
  });

  it('says why tokens are answered 503, once however many arrive', async () => {
    const { gateway, lines } = await gatewayFor('http://127.0.0.1:9');
    try {
      const token = await issuer.sign();
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await postGraphQL(gateway.url, '{ repositories { name } }', { token })).status);
      const reasons = lines.filter((line) =>
        line.startsWith('warn: access tokens cannot be checked (answered 503): the issuer discovery document could not be read'),
      );
      expect([statuses, reasons.length]).toEqual([[503, 503, 503], 1]);
    } finally {
      await gateway.close();
    }
  });
});
