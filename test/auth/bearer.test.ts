import { describe, expect, it } from 'vitest';
import { readBearerToken } from '../../src/auth/bearer.js';

describe('readBearerToken', () => {
  it('reads no credentials from a missing header', () => {
    expect(readBearerToken(undefined)).toEqual({ kind: 'none' });
  });

  it('reads the token with the scheme in any case', () => {
    expect(readBearerToken('bEaReR abc.def.ghi')).toEqual({ kind: 'bearer', token: 'abc.def.ghi' });
  });

  it('calls another scheme malformed', () => {
    expect(readBearerToken('Basic YWxpY2U6cHc=')).toEqual({ kind: 'malformed', reason: 'the Authorization header must use the Bearer scheme' });
  });

  it('calls an empty bearer token malformed', () => {
    expect(readBearerToken('Bearer ').kind).toBe('malformed');
  });

  it('calls a token with a space or a quote malformed', () => {
    expect([readBearerToken('Bearer a b').kind, readBearerToken('Bearer a"b').kind]).toEqual(['malformed', 'malformed']);
  });
});
