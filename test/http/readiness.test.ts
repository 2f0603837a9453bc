import { describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/index.js';
import { startGutHibSubgraphs } from '../../examples/guthib/subgraphs/index.js';
import { loadConfig } from '../../src/config.js';
import { startGateway } from '../../src/server.js';
import { startHarness } from '../helpers/gateway.js';
import { SILENT } from '../helpers/logs.js';
import { freePort } from '../helpers/redis.js';

const readyz = async (url: string) => {
  const response = await fetch(new URL('/readyz', url));
  return { status: response.status, body: (await response.json()) as { status: string; failing?: string[] } };
};

describe('/healthz and /readyz', () => {
  it('answers ready once the keys are loaded and the supergraph is composed', async () => {
    const h = await startHarness();
    try {
      await expect.poll(async () => (await readyz(h.gateway.url)).status).toBe(200);
      expect((await readyz(h.gateway.url)).body).toEqual({ status: 'ready' });
    } finally {
      await h.close();
    }
  });

  it('answers 503 naming the issuer check, never its URL, while its keys cannot be loaded, and the process still answers /healthz', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: `http://127.0.0.1:${await freePort()}`, OIDC_AUDIENCE: 'guthib-api' });
    const { createGutHibGraph } = await import('../../examples/guthib/index.js');
    const gateway = await startGateway(config, { logger: SILENT, graph: createGutHibGraph(), warn: () => {} });
    try {
      const { status, body } = await readyz(gateway.url);
      expect(status).toBe(503);
      expect(body.failing).toEqual(["the issuer's signing keys are not loaded"]);
      expect((await fetch(new URL('/healthz', gateway.url))).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('answers 503 naming Redis while it does not answer', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const { createGutHibGraph } = await import('../../examples/guthib/index.js');
    const gateway = await startGateway(config, { logger: SILENT, graph: createGutHibGraph(), warn: () => {} });
    try {
      const { status, body } = await readyz(gateway.url);
      expect(status).toBe(503);
      expect(body.failing).toContain('the shared state (Redis) does not answer');
    } finally {
      await gateway.close();
    }
  });

  it('answers 503 naming the supergraph while it is being composed', async () => {
    let seen: Awaited<ReturnType<typeof readyz>> | undefined;
    let subgraphs: { close(): Promise<void> } | undefined;
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1' });
    const gateway = await startGateway(config, {
      logger: SILENT,
      warn: () => {},
      supergraph: async ({ identityJwksUrl, identityIssuer }) => {
        seen = await readyz(identityJwksUrl);
        const running = await startGutHibSubgraphs({ source: createInMemorySource(), identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl } });
        subgraphs = running;
        return { kind: 'subgraphs', subgraphs: running.subgraphs };
      },
    });
    try {
      expect(seen).toEqual({ status: 503, body: { status: 'not ready', failing: ['the supergraph is not composed yet'] } });
      expect((await readyz(gateway.url)).status).toBe(200);
    } finally {
      await gateway.close();
      await subgraphs?.close();
    }
  });
});
