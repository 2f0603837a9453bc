import { describe, expect, it } from 'vitest';
import { approvalFor, carriesApproval, insufficientAuthorizationChallenge, remediationOf } from '../../src/stepup/approval.js';
import { canonicalJson } from '../../src/stepup/canonicalJson.js';

const BINDING = { type: 'payment', arguments: ['input.amount', 'input.payee', 'memo'] };

describe('approvalFor', () => {
  it('reads each bound path from the coerced arguments, nested input fields included', () => {
    expect(approvalFor(BINDING, 'Mutation.pay', { input: { amount: 5, payee: 'bob', extra: true }, memo: 'rent' })).toEqual({
      type: 'payment',
      coordinate: 'Mutation.pay',
      arguments: { 'input.amount': 5, 'input.payee': 'bob', memo: 'rent' },
    });
  });

  it('names a path the call leaves out as null: not given is approved too', () => {
    expect(approvalFor(BINDING, 'Mutation.pay', { input: { amount: 5 } }).arguments).toEqual({ 'input.amount': 5, 'input.payee': null, memo: null });
  });

  it('writes a value with toJSON (a custom scalar) as its JSON', () => {
    expect(approvalFor({ type: 't', arguments: ['at'] }, 'Mutation.m', { at: new Date(0) }).arguments).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});

describe('carriesApproval', () => {
  const needed = approvalFor(BINDING, 'Mutation.pay', { input: { amount: 5, payee: 'bob' }, memo: 'rent' });

  it('finds an equal object whatever its key order', () => {
    const reordered = { arguments: { memo: 'rent', 'input.payee': 'bob', 'input.amount': 5 }, type: 'payment', coordinate: 'Mutation.pay' };
    expect(carriesApproval({ authorization_details: [{ type: 'other' }, reordered] }, needed)).toBe(true);
  });

  it('does not take a number for its string', () => {
    const stringAmount = { ...needed, arguments: { ...needed.arguments, 'input.amount': '5' } };
    expect(carriesApproval({ authorization_details: [stringAmount] }, needed)).toBe(false);
  });

  it('finds nothing in a token without authorization_details, or with a claim that is not a list', () => {
    expect([carriesApproval({}, needed), carriesApproval({ authorization_details: needed }, needed), carriesApproval(undefined, needed)]).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('the insufficient_authorization challenge', () => {
  const detail = { type: 'repository_transfer', coordinate: 'Mutation.transfer', arguments: { repositoryId: 'Repository:1' } };

  it('carries the remediation as base64url of the canonical {"authorization_details":[…]}', () => {
    expect(Buffer.from(remediationOf([detail]), 'base64url').toString('utf8')).toBe(canonicalJson({ authorization_details: [detail] }));
  });

  it('names the level requirement beside it, and no authorization_reference', () => {
    const header = insufficientAuthorizationChallenge([detail], { acrValues: 'gold', maxAge: 300 }, false, 'api');
    expect(header).toBe(
      `Bearer realm="api", error="insufficient_authorization", error_description="The user must approve this call of Mutation.transfer (authorization_details in the access token)", ` +
        `authorization_remediation="${remediationOf([detail])}", acr_values="gold", max_age="300"`,
    );
  });
});
