import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLadder } from '../src/stepup/ladder.js';

function withFile(content: unknown): { STEP_UP_CONFIG: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'guthib-config-')), 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return { STEP_UP_CONFIG: file };
}

describe('loadConfig', () => {
  it('defaults to dev mode on port 4000 with the InCommon ladder', () => {
    const config = loadConfig({}, mkdtempSync(join(tmpdir(), 'guthib-empty-')));
    expect(config).toMatchObject({ port: 4000, issuer: undefined, audience: 'guthib-api', clockTolerance: 60, introspection: true });
    expect(config.ladder.map((level) => level.name)).toEqual(['LOW', 'MEDIUM', 'HIGH']);
  });

  it('requires OIDC_AUDIENCE with OIDC_ISSUER', () => {
    expect(() => loadConfig({ OIDC_ISSUER: 'https://id.example' })).toThrow(/^OIDC_AUDIENCE must be set with OIDC_ISSUER/);
  });

  it('turns introspection off by default outside dev mode', () => {
    expect(loadConfig({ OIDC_ISSUER: 'https://id.example', OIDC_AUDIENCE: 'api' }).introspection).toBe(false);
  });

  it('names a PORT that is not a port', () => {
    expect(() => loadConfig({ PORT: '80x' })).toThrow(new TypeError('PORT must be an integer from 0 to 65535'));
  });

  it('names an unknown key of the config file', () => {
    expect(() => loadConfig(withFile({ ladders: [] }))).toThrow(/unknown key "ladders"; known keys are ladder, /);
  });

  it('names a config key with the wrong type', () => {
    expect(() => loadConfig(withFile({ clockTolerance: '60' }))).toThrow(new TypeError('config "clockTolerance" must be a non-negative integer'));
  });

  it('writes the request line by default, and not with "log": { "requests": false }', () => {
    expect(loadConfig({}).log.requests).toBe(true);
    expect(loadConfig(withFile({ log: { requests: false } })).log.requests).toBe(false);
  });

  it('names a log.requests that is not true or false', () => {
    expect(() => loadConfig(withFile({ log: { requests: 'no' } }))).toThrow(new TypeError('config "log.requests" must be true or false'));
  });

  it('names a config file that is not JSON', () => {
    expect(() => loadConfig(withFile('{ nope'))).toThrow(/cannot be read as JSON/);
  });

  it('reads a custom ladder', () => {
    const config = loadConfig(
      withFile({
        ladder: [
          { name: 'PWD', acr: 'pwd' },
          { name: 'MFA', acr: 'mfa', maxAge: 600 },
        ],
      }),
    );
    expect(config.ladder).toEqual([
      { name: 'PWD', acr: 'pwd', maxAge: undefined },
      { name: 'MFA', acr: 'mfa', maxAge: 600 },
    ]);
  });

  it('reads a ladder level with several acr strings, each of which reaches it', () => {
    const config = loadConfig(
      withFile({
        ladder: [
          { name: 'LOW', acr: 'loa-1' },
          { name: 'HIGH', acr: ['loa-3', 'loa-4'], maxAge: 300 },
        ],
      }),
    );
    const ladder = createLadder(config.ladder);
    expect(['loa-3', 'loa-4'].map((acr) => ladder.byAcr.get(acr)?.name)).toEqual(['HIGH', 'HIGH']);
  });

  it('accepts introspection answers without aud from no client by default', () => {
    expect(loadConfig({ OIDC_ISSUER: 'https://id.example', OIDC_AUDIENCE: 'api' }).introspectionClientIds).toEqual([]);
  });

  it('reads the clients whose introspection answers without aud are accepted', () => {
    expect(loadConfig(withFile({ introspectionClientIds: ['partner-app'] })).introspectionClientIds).toEqual(['partner-app']);
  });

  it('names an introspectionClientIds that is not a list of client ids', () => {
    expect(() => loadConfig(withFile({ introspectionClientIds: 'partner-app' }))).toThrow(
      new TypeError('config "introspectionClientIds" must be an array of non-empty strings'),
    );
  });

  it('names an unknown key inside a ladder level', () => {
    expect(() => loadConfig(withFile({ ladder: [{ name: 'A', acr: 'a', max_age: 5 }] }))).toThrow(new TypeError('config "ladder"[0]: unknown key "max_age"'));
  });

  it('refuses "*" as a CORS origin with credentials', () => {
    expect(() => loadConfig(withFile({ cors: { origins: ['*'], credentials: true } }))).toThrow(
      'config "cors": "*" cannot go with credentials; list the origins',
    );
  });

  it('names a CORS origin that is a URL with a path rather than an origin', () => {
    expect(() => loadConfig(withFile({ cors: { origins: ['https://app.example/'] } }))).toThrow(
      /^config "cors.origins": "https:\/\/app.example\/" is not an origin/,
    );
  });

  it('names a subgraph listed twice', () => {
    const subgraphs = [
      { name: 'accounts', url: 'http://a.internal/' },
      { name: 'accounts', url: 'http://b.internal/' },
    ];
    expect(() => loadConfig(withFile({ subgraphs }))).toThrow('config "subgraphs"[1].name: "accounts" is named twice');
  });

  it("needs each subgraph's URL to compose, but not beside a supergraph file", () => {
    expect(() => loadConfig(withFile({ subgraphs: [{ name: 'accounts' }] }))).toThrow('config "subgraphs"[0].url must be the subgraph\'s http(s) URL');
    expect(loadConfig(withFile({ supergraph: 'supergraph.graphql', subgraphs: [{ name: 'accounts', timeoutMs: 2000 }] })).subgraphs).toEqual([
      { name: 'accounts', url: undefined, timeoutMs: 2000, forwardAuthorization: undefined },
    ]);
  });

  it("names a subgraph's maxResponseBytes that is not a positive integer of bytes", () => {
    const subgraphs = [{ name: 'accounts', url: 'http://a.internal/', maxResponseBytes: '10MB' }];
    expect(() => loadConfig(withFile({ subgraphs }))).toThrow(new TypeError('config "subgraphs"[0].maxResponseBytes must be a positive integer of bytes'));
  });

  it("keeps a subgraph's maxResponseBytes", () => {
    const subgraphs = [{ name: 'accounts', url: 'http://a.internal/', maxResponseBytes: 65_536 }];
    expect(loadConfig(withFile({ subgraphs })).subgraphs).toEqual([
      { name: 'accounts', url: 'http://a.internal/', timeoutMs: undefined, maxResponseBytes: 65_536, forwardAuthorization: undefined },
    ]);
  });

  it('refuses a local graph together with subgraphs', () => {
    expect(() => loadConfig(withFile({ graph: 'graph.js', subgraphs: [{ name: 'a', url: 'http://a.internal/' }] }))).toThrow(
      /^config "graph" serves a graph from this process; it cannot go with "subgraphs" or "supergraph"/,
    );
  });
});
