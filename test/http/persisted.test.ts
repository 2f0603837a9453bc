import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { sha256Hex } from '../../src/persisted/manifest.js';
import { startGateway } from '../../src/server.js';
import { GOLD, transferApproval, SILVER, startHarness, T0, writeConfigFile, type Harness } from '../helpers/gateway.js';
import { createGutHibGraph } from '../../examples/guthib/index.js';
import { SILENT } from '../helpers/logs.js';

const manifest = JSON.parse(readFileSync('examples/persisted-operations.json', 'utf8')) as {
  operations: Array<{ id: string; name: string; body: string }>;
};
const idOf = (name: string) => manifest.operations.find((operation) => operation.name === name)!.id;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    file: { persistedDocuments: { manifest: 'examples/persisted-operations.json', partnerClients: ['partner-app'] } },
  });
});
afterAll(() => h.close());

const partner = (acr = GOLD, approvals: object[] = []) => h.issuer.sign({ client_id: 'partner-app', acr, auth_time: T0, authorization_details: approvals });
const firstParty = (acr = GOLD) => h.issuer.sign({ acr, auth_time: T0 });

describe('a partner client', () => {
  it('is refused an arbitrary document with 400 PERSISTED_QUERY_REQUIRED', async () => {
    const { status, body } = await h.post('{ repositories { name } }', { token: await partner() });
    expect([status, body]).toEqual([
      400,
      {
        errors: [
          { message: 'This client may only run persisted operations: send a documentId from the manifest', extensions: { code: 'PERSISTED_QUERY_REQUIRED' } },
        ],
      },
    ]);
  });

  it('is served a manifest operation by documentId with the sha256: prefix', async () => {
    const { status, body } = await h.send({ documentId: `sha256:${idOf('RepositoryList')}` }, { token: await partner() });
    expect([status, (body.data as { repositories: unknown[] }).repositories.length]).toEqual([200, 3]);
  });

  it('is served a manifest operation by bare hex documentId', async () => {
    const { body } = await h.send({ documentId: idOf('ViewerEmail') }, { token: await partner(SILVER) });
    expect(body).toEqual({ data: { viewer: { login: 'alice', email: 'alice@guthib.example' } } });
  });

  it('is served a manifest operation by extensions.persistedQuery.sha256Hash', async () => {
    const { body } = await h.send({ extensions: { persistedQuery: { version: 1, sha256Hash: idOf('ViewerEmail') } } }, { token: await partner() });
    expect(body).toEqual({ data: { viewer: { login: 'alice', email: 'alice@guthib.example' } } });
  });

  it('is served a manifest operation over GET', async () => {
    const url = new URL(h.gateway.url);
    url.searchParams.set('documentId', `sha256:${idOf('RepositoryList')}`);
    const response = await fetch(url, { headers: { authorization: `Bearer ${await partner()}`, 'apollo-require-preflight': 'true' } });
    expect([response.status, ((await response.json()) as { data: { repositories: unknown[] } }).data.repositories.length]).toEqual([200, 3]);
  });

  it('gets PERSISTED_QUERY_NOT_FOUND for an id the manifest does not have', async () => {
    const { status, body } = await h.send({ documentId: `sha256:${'0'.repeat(64)}` }, { token: await partner() });
    expect([status, body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'PERSISTED_QUERY_NOT_FOUND']);
  });

  it('cannot register an automatic persisted query', async () => {
    const query = '{ repositories { stars } }';
    const { status, body } = await h.send({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } } }, { token: await partner() });
    expect([status, body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'PERSISTED_QUERY_REQUIRED']);
  });

  it('is refused a persisted query needing HIGH before execution, with the same challenge as any operation', async () => {
    const { status, headers, body } = await h.send({ documentId: idOf('ViewerCards') }, { token: await partner(SILVER) });
    expect(status).toBe(401);
    expect(body).not.toHaveProperty('data');
    expect(body.errors).toMatchObject([
      { path: ['viewer', 'paymentMethods'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 300 } },
    ]);
    expect(headers.get('www-authenticate')).toContain(`acr_values="${GOLD}", max_age="300"`);
  });

  it('refuses a persisted transfer whose token carries no approval of its variables, with insufficient_authorization', async () => {
    const { status, headers, body } = await h.send(
      { documentId: idOf('TransferRepository'), variables: { repositoryId: 'Repository:3', newOwner: 'bob' } },
      { token: await partner(GOLD, [transferApproval('Repository:3', 'carol')]) },
    );
    expect([status, body.errors?.[0]?.extensions?.['code'], body.errors?.[0]?.extensions?.['authorizationDetails']]).toEqual([
      401,
      'APPROVAL_REQUIRED',
      [transferApproval('Repository:3', 'bob')],
    ]);
    expect(headers.get('www-authenticate')).toContain('error="insufficient_authorization"');
  });

  it('runs a persisted mutation with its variables and the approval of them', async () => {
    const { body } = await h.send(
      { documentId: idOf('TransferRepository'), variables: { repositoryId: 'Repository:2', newOwner: 'bob' } },
      { token: await partner(GOLD, [transferApproval('Repository:2', 'bob')]) },
    );
    expect(body).toEqual({ data: { transferRepositoryOwnership: { name: 'website', owner: { login: 'bob' } } } });
  });
});

describe('a first-party client', () => {
  it('may still send documents', async () => {
    const { status } = await h.post('{ repositories { name } }', { token: await firstParty() });
    expect(status).toBe(200);
  });

  it('may run manifest operations too', async () => {
    const { body } = await h.send({ documentId: idOf('ViewerEmail') }, { token: await firstParty() });
    expect(body).toEqual({ data: { viewer: { login: 'alice', email: 'alice@guthib.example' } } });
  });

  it('registers an automatic persisted query, then runs it by hash alone', async () => {
    const query = '{ repository(owner: "bob", name: "dotfiles") { name stars } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
    const miss = await h.send({ extensions });
    const register = await h.send({ query, extensions });
    const hit = await h.send({ extensions });
    expect([miss.body.errors?.[0]?.extensions?.['code'], register.body.data, hit.body.data]).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
      { repository: { name: 'dotfiles', stars: 7 } },
      { repository: { name: 'dotfiles', stars: 7 } },
    ]);
  });
});

describe('trusted documents for everyone', () => {
  it('refuses a document from any caller when requireForAll is on', async () => {
    const strict = await startHarness({ file: { persistedDocuments: { manifest: 'examples/persisted-documents.json', requireForAll: true } } });
    try {
      const anonymous = await strict.post('{ repositories { name } }');
      const persisted = await strict.send({ documentId: idOf('RepositoryList') });
      expect([anonymous.status, anonymous.body.errors?.[0]?.extensions?.['code'], persisted.status]).toEqual([400, 'PERSISTED_QUERY_REQUIRED', 200]);
    } finally {
      await strict.close();
    }
  });
});

describe('start-up', () => {
  it('stops on a malformed manifest, naming the file and the entry', async () => {
    const bad = writeConfigFile({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: 'f'.repeat(64), name: 'Broken', type: 'query', body: '{ repositories { name } }' }],
    });
    const config = loadConfig({
      PORT: '0',
      OIDC_ISSUER: 'http://127.0.0.1:9',
      OIDC_AUDIENCE: 'x',
      STEP_UP_CONFIG: writeConfigFile({ persistedDocuments: { manifest: bad } }),
    });
    await expect(startGateway(config, { logger: SILENT, graph: createGutHibGraph() })).rejects.toThrow(
      new TypeError(`${bad}: entry "Broken" (${'f'.repeat(64)}): the id is not the sha256 of the document`),
    );
  });
});
