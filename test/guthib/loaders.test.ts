import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { loadConfig } from '../../src/config.js';
import { createGutHibGraph, createInMemorySource, type GutHibSource } from '../../examples/guthib/index.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { postGraphQL, T0 } from '../helpers/gateway.js';
import { SILENT } from '../helpers/logs.js';

/** Records every batch call a request makes to the source, by method. */
function recording(source: GutHibSource): { source: GutHibSource; calls: Array<[string, readonly unknown[]]> } {
  const calls: Array<[string, readonly unknown[]]> = [];
  const recorded = new Proxy(source, {
    get(target, name: string) {
      const method = Reflect.get(target, name) as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        calls.push([name, args[0] as readonly unknown[]]);
        return method.apply(target, args);
      };
    },
  });
  return { source: recorded, calls };
}

let gateway: Gateway;
let issuer: TestIssuer;
const record = recording(createInMemorySource());

beforeAll(async () => {
  issuer = await startTestIssuer({ now: () => T0 });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
  gateway = await startGateway(config, { logger: SILENT, graph: createGutHibGraph({ source: record.source }), clock: () => T0 });
});
afterAll(async () => {
  await gateway.close();
  await issuer.close();
});

describe('DataLoader-backed data sources', () => {
  it('fetches the owners of every listed repository in one batch', async () => {
    record.calls.length = 0;
    const { body } = await postGraphQL(gateway.url, '{ repositories { owner { login } } }');
    expect(body.data).toEqual({ repositories: [{ owner: { login: 'alice' } }, { owner: { login: 'alice' } }, { owner: { login: 'bob' } }] });
    expect(record.calls).toEqual([
      ['listRepositories', 20],
      ['usersByLogin', ['alice', 'bob']],
    ]);
  });

  it('makes one batch per type per tick however the objects are reached', async () => {
    record.calls.length = 0;
    await postGraphQL(
      gateway.url,
      '{ a: node(id: "Repository:1") { id } b: node(id: "Repository:3") { id } c: node(id: "User:alice") { id } d: node(id: "User:bob") { id } }',
    );
    expect([...record.calls].sort()).toEqual([
      ['repositoriesByKey', ['1', '3']],
      ['usersByLogin', ['alice', 'bob']],
    ]);
  });

  it('starts every request with empty loaders', async () => {
    await postGraphQL(gateway.url, '{ node(id: "User:bob") { id } }');
    record.calls.length = 0;
    await postGraphQL(gateway.url, '{ node(id: "User:bob") { id } }');
    expect(record.calls).toEqual([['usersByLogin', ['bob']]]);
  });
});
