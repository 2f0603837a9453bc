import { describe, expect, it } from 'vitest';
import { assertApprovalsGranted, covers, StepUpNotSatisfied } from '../../src/client/index.js';

const GUT = { type: 'repository_transfer', coordinate: 'Mutation.transferRepositoryOwnership', arguments: { repositoryId: 'Repository:1', newOwner: 'bob' } };
const WEBSITE = { ...GUT, arguments: { repositoryId: 'Repository:2', newOwner: 'bob' } };
const asked = { kind: 'step-up' as const, forceLogin: false, authorizationDetails: [GUT] };
/** A JWT-shaped access token whose payload carries `claims` (the signature is not read here). */
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('assertApprovalsGranted', () => {
  it('accepts a token response granting exactly what was asked, in any key order', () => {
    const reordered = {
      arguments: { newOwner: 'bob', repositoryId: 'Repository:1' },
      type: 'repository_transfer',
      coordinate: 'Mutation.transferRepositoryOwnership',
    };
    expect(assertApprovalsGranted(asked, { access_token: 'opaque', authorization_details: [reordered] })).toEqual([reordered]);
  });

  it('reads the JWT access token when the token response leaves authorization_details out', () => {
    expect(assertApprovalsGranted(asked, { access_token: jwt({ authorization_details: [GUT] }) })).toEqual([GUT]);
  });

  it('refuses a grant of another approval, so nothing is replayed', () => {
    expect(() => assertApprovalsGranted(asked, { access_token: 'opaque', authorization_details: [WEBSITE] })).toThrow(StepUpNotSatisfied);
  });

  it('refuses a grant of more than was asked', () => {
    expect(() => assertApprovalsGranted(asked, { access_token: 'opaque', authorization_details: [GUT, WEBSITE] })).toThrow(/other authorization_details/);
  });

  it('refuses a token that does not say what it grants', () => {
    expect(() => assertApprovalsGranted(asked, { access_token: 'opaque' })).toThrow(/did not say which authorization_details/);
  });
});

describe('covers, for approvals', () => {
  it('lets an operation wait for a step-up that asks its very approval', () => {
    expect(covers(asked, { kind: 'step-up', forceLogin: false, authorizationDetails: [GUT] })).toBe(true);
  });

  it('does not let an operation wait for a step-up that asks another approval', () => {
    expect(covers(asked, { kind: 'step-up', forceLogin: false, authorizationDetails: [WEBSITE] })).toBe(false);
  });
});
