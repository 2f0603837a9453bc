import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { startGutHibSubgraphs } from '../../examples/guthib/subgraphs/index.js';
import { SILENT } from './logs.js';

/**
 * Dev mode as `npm start` runs it (embedded provider, own key in a temporary folder, the example's two
 * subgraphs) on port 0.
 * `clockOffset` moves the gateway's clock (the café); `file` adds config keys.
 */
export async function startDevGateway(options: { clockOffset?: number; file?: object } = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'guthib-idp-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ devKeyDir: join(dir, 'keys'), ...options.file }));
  const offset = options.clockOffset ?? 0;
  const clock = () => Math.floor(Date.now() / 1000) + offset;
  // The example as `npm start` serves it: two subgraph services on loopback, composed.
  let subgraphs: { close(): Promise<void> } | undefined;
  const gateway = await startGateway(loadConfig({ PORT: '0', HOST: '127.0.0.1', STEP_UP_CONFIG: file }), {
    logger: SILENT,
    clock,
    warn: () => undefined,
    supergraph: async ({ identityJwksUrl, identityIssuer }) => {
      const running = await startGutHibSubgraphs({ clock, identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl } });
      subgraphs = running;
      return { kind: 'subgraphs', subgraphs: running.subgraphs };
    },
  });
  return Object.assign(Object.create(gateway) as Gateway, {
    async close() {
      await gateway.close();
      await subgraphs?.close();
    },
  });
}
