import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, T0, type Harness } from '../helpers/gateway.js';

/**
 * A request whose operation cannot be chosen is the caller's mistake: 400 OPERATION_RESOLUTION_FAILURE in
 * front of subgraphs exactly as on one process, never a 500, and nothing is executed.
 */
const manifest = JSON.parse(readFileSync('examples/persisted-operations.json', 'utf8')) as { operations: Array<{ id: string; name: string }> };
const idOf = (name: string) => manifest.operations.find((operation) => operation.name === name)!.id;

describe.each([['federated' as const], ['local' as const]])('in %s mode', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode, file: { persistedDocuments: { manifest: 'examples/persisted-operations.json', partnerClients: ['partner-app'] } } });
  });
  afterAll(() => h.close());
  const partner = () => h.issuer.sign({ acr: 'urn:mace:incommon:iap:bronze', auth_time: T0, client_id: 'partner-app' });

  it('answers 400 to two operations and no operationName', async () => {
    const { status, body } = await h.post('query A { repositories { name } } query B { repositories { name } }');
    expect({ status, body }).toEqual({
      status: 400,
      body: {
        errors: [{ message: 'Must provide operation name if query contains multiple operations.', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }],
      },
    });
  });

  it('answers 400 to an operationName the document does not have', async () => {
    const { status, body } = await h.send({ query: 'query A { repositories { name } }', operationName: 'Nope' });
    expect({ status, body }).toEqual({
      status: 400,
      body: { errors: [{ message: 'Unknown operation named "Nope".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] },
    });
  });

  it("answers 400 to a partner's documentId with an operationName the document does not have", async () => {
    const { status, body } = await h.send({ documentId: `sha256:${idOf('RepositoryList')}`, operationName: 'ViewerCards' }, { token: await partner() });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('OPERATION_RESOLUTION_FAILURE');
  });
});
