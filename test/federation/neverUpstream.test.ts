import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { transferApproval, GOLD, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';

/**
 * A refused selection never reaches a subgraph: the example's two subgraphs record every document they
 * receive, and each test reads what arrived for one operation.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'federated' });
});
afterAll(() => h.close());
beforeEach(() => {
  h.setNow(T0);
  h.received.length = 0;
});

const gold = () => h.issuer.sign({ acr: GOLD, auth_time: T0, authorization_details: [transferApproval('Repository:2', 'bob')] });
const silver = () => h.issuer.sign({ acr: SILVER, auth_time: T0 });
const bronze = () => h.issuer.sign({ acr: 'urn:mace:incommon:iap:bronze', auth_time: T0 });

/** Everything the subgraphs received for the last operation, one string. */
const upstream = () => h.received.map((entry) => `${entry.subgraph}: ${entry.query}`).join('\n');

describe('a weak caller', () => {
  it('gets a partial answer while the protected field never reaches the accounts subgraph', async () => {
    const { status, body } = await h.post('{ viewer { login email } }', { token: await bronze() });
    expect(status).toBe(200);
    expect(body.data).toEqual({ viewer: { login: 'alice', email: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'email'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'MEDIUM' } }]);
    expect(upstream()).toContain('login');
    expect(upstream()).not.toContain('email');
  });

  it('does not send a protected field reached through an entity join to the other subgraph', async () => {
    const { body } = await h.post('{ repositories { name owner { login email } } }', { token: await bronze() });
    expect(body.data).toMatchObject({ repositories: [{ name: 'gut', owner: { login: 'alice', email: null } }, {}, {}] });
    expect(body.errors?.map((error) => error.path)).toEqual([
      ['repositories', 0, 'owner', 'email'],
      ['repositories', 1, 'owner', 'email'],
      ['repositories', 2, 'owner', 'email'],
    ]);
    expect(h.received.map((entry) => entry.subgraph).sort()).toEqual(['accounts', 'repositories']);
    expect(upstream()).not.toContain('email');
  });

  it('does not call a subgraph at all when everything it would answer is refused', async () => {
    const { body } = await h.post('{ repositories { name owner { id email } } }', { token: await bronze() });
    expect(body.data).toMatchObject({ repositories: [{ name: 'gut', owner: { id: 'User:alice', email: null } }, {}, {}] });
    expect(h.received.map((entry) => entry.subgraph)).toEqual(['repositories']);
  });

  it('does not send a protected field selected through a named fragment under an alias', async () => {
    const { body } = await h.post('query Q { me: viewer { ...U } } fragment U on User { login mail: email }', { token: await bronze() });
    expect(body.data).toEqual({ me: { login: 'alice', mail: null } });
    expect(body.errors).toMatchObject([{ path: ['me', 'mail'], extensions: { code: 'STEP_UP_REQUIRED' } }]);
    expect(upstream()).not.toContain('email');
  });

  it('does not send the fields of a protected type reached through an interface', async () => {
    const { body } = await h.post('{ viewer { paymentMethods { ... on Node { id } ... on PaymentMethod { last4 } } } }', { token: await silver() });
    expect(body.data).toEqual({ viewer: { paymentMethods: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'paymentMethods'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }]);
    expect(upstream()).not.toContain('last4');
    expect(upstream()).not.toContain('paymentMethods');
  });

  it('keeps an interface field for the types that do not protect it', async () => {
    const { body } = await h.post('{ node(id: "Repository:1") { id ... on Repository { name } } }', { token: await bronze() });
    expect(body).toEqual({ data: { node: { id: 'Repository:1', name: 'gut' } } });
  });

  it('neither refuses nor challenges a protected field that @include leaves out', async () => {
    const { body, headers } = await h.post('query ($mail: Boolean!) { viewer { login email @include(if: $mail) } }', {
      token: await bronze(),
      variables: { mail: false },
    });
    expect(body).toEqual({ data: { viewer: { login: 'alice' } } });
    expect(headers.get('www-authenticate')).toBeNull();
    expect(upstream()).not.toContain('email');
  });

  it('refuses a protected field that @skip keeps, from the same cached operation', async () => {
    const query = 'query ($skip: Boolean!) { viewer { login email @skip(if: $skip) } }';
    await h.post(query, { token: await bronze(), variables: { skip: true } });
    const { body } = await h.post(query, { token: await bronze(), variables: { skip: false } });
    expect(body.data).toEqual({ viewer: { login: 'alice', email: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'email'], extensions: { code: 'STEP_UP_REQUIRED' } }]);
    expect(upstream()).not.toContain('email');
  });

  it('serves the same operation to a strong caller after a weak one, from its own pruned version', async () => {
    const query = '{ viewer { login email } }';
    await h.post(query, { token: await bronze() });
    const { body } = await h.post(query, { token: await silver() });
    expect(body).toEqual({ data: { viewer: { login: 'alice', email: 'alice@guthib.example' } } });
  });

  it('sends no part of a refused mutation to any subgraph', async () => {
    const { status, body } = await h.post('mutation { updateEmail(email: "a@b.example") { id email } }', { token: await silver() });
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(h.received).toEqual([]);
  });

  it('sends no refused one-time transfer to the repositories subgraph', async () => {
    const { status } = await h.post('mutation { transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { id } }', {
      token: await silver(),
    });
    expect(status).toBe(401);
    expect(h.received).toEqual([]);
  });
});

describe('an anonymous caller', () => {
  it('gets public fields from one subgraph and nothing is sent for the protected root field', async () => {
    const { body, headers } = await h.post('{ viewer { login } repositories { name } }');
    expect(body.data).toEqual({ viewer: null, repositories: [{ name: 'gut' }, { name: 'website' }, { name: 'dotfiles' }] });
    expect(headers.get('www-authenticate')).toBe('Bearer realm="guthib"');
    expect(h.received.map((entry) => entry.subgraph)).toEqual(['repositories']);
    expect(upstream()).not.toContain('viewer');
  });
});

describe('a strong caller', () => {
  it('gets every protected field, each fetched from its subgraph with the caller named in the identity', async () => {
    const { body } = await h.post('{ viewer { email paymentMethods { last4 } } repositories { name owner { login } } }', { token: await gold() });
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ viewer: { email: 'alice@guthib.example', paymentMethods: [{ last4: '4242' }] } });
    expect(upstream()).toContain('email');
    expect(upstream()).toContain('last4');
    expect(new Set(h.received.map((entry) => entry.sub))).toEqual(new Set(['alice']));
  });

  it('runs a stepped-up transfer on the repositories subgraph once', async () => {
    const { status, body } = await h.post('mutation { transferRepositoryOwnership(repositoryId: "Repository:2", newOwner: "bob") { owner { login } } }', {
      token: await gold(),
    });
    expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
    expect(body.data).toEqual({ transferRepositoryOwnership: { owner: { login: 'bob' } } });
    expect(h.received.filter((entry) => entry.query.includes('transferRepositoryOwnership'))).toHaveLength(1);
  });
});
