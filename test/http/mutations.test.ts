import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GOLD, SILVER, startHarness, T0, transferApproval, type Harness } from '../helpers/gateway.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const GUT_TO_BOB = transferApproval('Repository:1', 'bob');
const gold = (age = 0, sub = 'alice') => h.issuer.sign({ sub, acr: GOLD, auth_time: T0 - age, authorization_details: [GUT_TO_BOB] });
/** base64url of the canonical `{"authorization_details":[…]}` the transfer of gut to bob needs. */
const REMEDIATION = Buffer.from(JSON.stringify({ authorization_details: [GUT_TO_BOB] })).toString('base64url');
const silver = () => h.issuer.sign({ acr: SILVER, auth_time: T0 });

const TRANSFER = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name owner { login } } }';

/** What the data says after the request, read straight from the source: no resolver, no guard. */
async function ownerOfGut(): Promise<string | undefined> {
  const [repository] = await h.source.repositoriesByKey(['1']);
  return repository?.ownerLogin;
}
async function starsOfWebsite(): Promise<number | undefined> {
  const [repository] = await h.source.repositoriesByKey(['2']);
  return repository?.stars;
}

describe('a mutation with an unmet requirement', () => {
  it('answers a silver token with 401, no data key and STEP_UP_REQUIRED', async () => {
    const { status, body } = await h.post(TRANSFER, { token: await silver() });
    expect(status).toBe(401);
    expect(body).not.toHaveProperty('data');
    expect(body.errors).toEqual([
      {
        message: 'Authentication at level HIGH within the last 300 seconds is required',
        locations: [{ line: 1, column: 12 }],
        path: ['transferRepositoryOwnership'],
        extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 300, authorizationDetails: [GUT_TO_BOB] },
      },
    ]);
  });

  it('sends the RFC 9470 challenge with the refusal, naming the approval the call needs too', async () => {
    const { headers } = await h.post(TRANSFER, { token: await silver() });
    expect(headers.get('www-authenticate')).toBe(
      'Bearer realm="guthib", error="insufficient_user_authentication", ' +
        'error_description="Authentication at level HIGH within the last 300 seconds is required", ' +
        `acr_values="${GOLD}", max_age="300", authorization_remediation="${REMEDIATION}"`,
    );
  });

  it('leaves the repository with its owner', async () => {
    await h.post(TRANSFER, { token: await silver() });
    expect(await ownerOfGut()).toBe('alice');
  });

  it('answers an anonymous caller with 401 UNAUTHENTICATED and a Bearer challenge, and changes nothing', async () => {
    const { status, headers, body } = await h.post(TRANSFER);
    expect([status, headers.get('www-authenticate'), await ownerOfGut()]).toEqual([401, 'Bearer realm="guthib"', 'alice']);
    expect(body).toEqual({
      errors: [expect.objectContaining({ path: ['transferRepositoryOwnership'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })],
    });
  });

  it('refuses gold authenticated 301 seconds ago', async () => {
    const { status } = await h.post(TRANSFER, { token: await gold(301) });
    expect([status, await ownerOfGut()]).toEqual([401, 'alice']);
  });

  it('runs nothing of the operation: a star selected beside the refused field is not given', async () => {
    const { status } = await h.post(
      'mutation { starRepository(id: "Repository:2") { stars } transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name } }',
      { token: await silver() },
    );
    expect([status, await starsOfWebsite(), await ownerOfGut()]).toEqual([401, 3, 'alice']);
  });

  it('reports every unmet field and challenges for the strictest', async () => {
    const { headers, body } = await h.post(
      'mutation { updateEmail(email: "a@b.example") { login } transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name } }',
      { token: await silver() },
    );
    expect(body.errors!.map((error) => [error.path, error.extensions!['maxAge']])).toEqual([
      [['updateEmail'], 60],
      [['transferRepositoryOwnership'], 300],
    ]);
    expect(headers.get('www-authenticate')).toContain('max_age="60"');
  });

  it('refuses under its alias', async () => {
    const { body } = await h.post('mutation { give: transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name } }', {
      token: await silver(),
    });
    expect(body.errors).toMatchObject([{ path: ['give'], extensions: { code: 'STEP_UP_REQUIRED' } }]);
  });

  it('refuses a protected field nested in a fragment of an otherwise allowed mutation, before the mutation runs', async () => {
    const { status, body } = await h.post(
      'mutation { starRepository(id: "Repository:2") { owner { ...Cards } } } fragment Cards on User { paymentMethods { last4 } }',
      { token: await silver() },
    );
    expect(status).toBe(401);
    expect(body.errors!.map((error) => [error.path, error.extensions!['requiredAcr']])).toEqual([[['starRepository', 'owner', 'paymentMethods'], 'HIGH']]);
    expect(await starsOfWebsite()).toBe(3);
  });

  it('reports each refused sibling with its own level', async () => {
    const { body } = await h.post('mutation { starRepository(id: "Repository:2") { owner { email paymentMethods { last4 } } } }', {
      token: await h.issuer.sign({ acr: 'urn:mace:incommon:iap:bronze', auth_time: T0 }),
    });
    expect(body.errors!.map((error) => [error.path!.join('.'), error.extensions!['requiredAcr']])).toEqual([
      ['starRepository.owner.email', 'MEDIUM'],
      ['starRepository.owner.paymentMethods', 'HIGH'],
    ]);
  });

  it('refuses a protected field in an inline fragment', async () => {
    const { status } = await h.post('mutation { starRepository(id: "Repository:2") { owner { ... on User { email } } } }', {
      token: await h.issuer.sign({ acr: 'urn:mace:incommon:iap:bronze', auth_time: T0 }),
    });
    expect([status, await starsOfWebsite()]).toEqual([401, 3]);
  });
});

describe('@skip and @include in a mutation', () => {
  const OPERATION = `mutation ($hide: Boolean!, $show: Boolean!) {
    starRepository(id: "Repository:2") { stars }
    transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") @skip(if: $hide) { name }
    updateEmail(email: "x@y.example") @include(if: $show) { login }
  }`;

  it('does not count a field skipped by a variable', async () => {
    const { status, body } = await h.post(OPERATION, { token: await silver(), variables: { hide: true, show: false } });
    expect([status, body]).toEqual([200, { data: { starRepository: { stars: 4 } } }]);
  });

  it('counts a field the variable does not skip', async () => {
    const { status } = await h.post(OPERATION, { token: await silver(), variables: { hide: false, show: false } });
    expect([status, await starsOfWebsite()]).toEqual([401, 3]);
  });

  it('counts a field @include brings in', async () => {
    const { status } = await h.post(OPERATION, { token: await silver(), variables: { hide: true, show: true } });
    expect([status, await starsOfWebsite()]).toEqual([401, 3]);
  });

  it('refuses with 400 when the variables cannot be coerced, and runs nothing', async () => {
    const { status, body } = await h.post(OPERATION, { token: await silver(), variables: { hide: 'yes', show: false } });
    expect([status, body.errors?.[0]?.extensions?.['code'], await starsOfWebsite()]).toEqual([400, 'BAD_USER_INPUT', 3]);
  });

  it('refuses with 400 when @skip gets an explicit null, and runs nothing', async () => {
    const { status, body } = await h.post(
      'mutation ($flag: Boolean = false) { starRepository(id: "Repository:2") { stars } transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") @skip(if: $flag) { name } }',
      { token: await gold(), variables: { flag: null } },
    );
    expect([status, body.errors?.[0]?.extensions?.['code'], await starsOfWebsite(), await ownerOfGut()]).toEqual([400, 'BAD_USER_INPUT', 3, 'alice']);
  });

  it('refuses with 400 when a required variable is missing, and runs nothing', async () => {
    const { status } = await h.post(OPERATION, { token: await silver(), variables: { show: false } });
    expect([status, await starsOfWebsite()]).toEqual([400, 3]);
  });
});

describe('a mutation whose requirements are met', () => {
  it('transfers the repository for its owner with a fresh gold token', async () => {
    const { status, body } = await h.post(TRANSFER, { token: await gold(30) });
    expect([status, body]).toEqual([200, { data: { transferRepositoryOwnership: { name: 'gut', owner: { login: 'bob' } } } }]);
    expect(await ownerOfGut()).toBe('bob');
  });

  it('updates the email with gold authenticated exactly 60 seconds ago', async () => {
    const { body } = await h.post('mutation { updateEmail(email: "alice@new.example") { email } }', { token: await gold(60) });
    expect(body).toEqual({ data: { updateEmail: { email: 'alice@new.example' } } });
  });

  it('refuses the email update to gold authenticated 61 seconds ago', async () => {
    const { status, body } = await h.post('mutation { updateEmail(email: "alice@new.example") { email } }', { token: await gold(61) });
    expect([status, body.errors?.[0]?.extensions]).toEqual([401, { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 60 }]);
    const [alice] = await h.source.usersByLogin(['alice']);
    expect(alice?.email).toBe('alice@guthib.example');
  });

  it('refuses a transfer by someone who is not the owner with FORBIDDEN, whatever the step-up', async () => {
    const { body } = await h.post(TRANSFER, { token: await gold(0, 'bob') });
    expect(body).toMatchObject({ data: null, errors: [{ path: ['transferRepositoryOwnership'], extensions: { code: 'FORBIDDEN' } }] });
    expect(await ownerOfGut()).toBe('alice');
  });

  it('refuses an email that is not an address with BAD_USER_INPUT', async () => {
    const { body } = await h.post('mutation { updateEmail(email: "not an address") { email } }', { token: await gold() });
    // Federated, a subgraph's error keeps its message and code only (docs/federation.md "When a subgraph fails").
    expect(body.errors).toMatchObject([{ message: '"email" must be an email address', extensions: { code: 'BAD_USER_INPUT' } }]);
  });

  it('stars once however often the same user stars', async () => {
    const token = await h.issuer.sign({ acr: SILVER, auth_time: T0 });
    await h.post('mutation { starRepository(id: "Repository:2") { stars } }', { token });
    const { body } = await h.post('mutation { starRepository(id: "Repository:2") { stars } }', { token });
    expect(body).toEqual({ data: { starRepository: { stars: 4 } } });
  });
});
