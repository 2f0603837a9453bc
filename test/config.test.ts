import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

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

  it('names a config file that is not JSON', () => {
    expect(() => loadConfig(withFile('{ nope'))).toThrow(/cannot be read as JSON/);
  });

  it('reads a custom ladder', () => {
    const config = loadConfig(withFile({ ladder: [{ name: 'PWD', acr: 'pwd' }, { name: 'MFA', acr: 'mfa', maxAge: 600 }] }));
    expect(config.ladder).toEqual([{ name: 'PWD', acr: 'pwd', maxAge: undefined }, { name: 'MFA', acr: 'mfa', maxAge: 600 }]);
  });

  it('names an unknown key inside a ladder level', () => {
    expect(() => loadConfig(withFile({ ladder: [{ name: 'A', acr: 'a', max_age: 5 }] }))).toThrow(new TypeError('config "ladder"[0]: unknown key "max_age"'));
  });
});
