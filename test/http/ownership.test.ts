import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GOLD, SILVER, startHarness, T0, type Answer, type Harness } from '../helpers/gateway.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.setNow(T0));

const gold = (sub: string) => h.issuer.sign({ sub, acr: GOLD, auth_time: T0 });
const silver = (sub: string) => h.issuer.sign({ sub, acr: SILVER, auth_time: T0 });

const ALICE_CARD = 'PaymentMethod:1';
const MISSING_CARD = 'PaymentMethod:999';
/** The id travels as a variable, so that no answer can differ merely by echoing it. */
const CARD = 'query Card($id: ID!) { node(id: $id) { id ... on PaymentMethod { brand last4 } } }';
const readCard = (id: string, token?: string) => h.post(CARD, { variables: { id }, ...(token === undefined ? {} : { token }) });

/** Everything a caller can observe of an answer. */
const observed = ({ status, headers, body }: Answer) => ({ status, challenge: headers.get('www-authenticate'), body });

describe('a payment method is read by its owner only', () => {
  it("does not serve alice's card to bob's fresh gold token through node(id:)", async () => {
    const { status, body } = await readCard(ALICE_CARD, await gold('bob'));
    expect({ status, body }).toEqual({ status: 200, body: { data: { node: null } } });
  });

  it("refuses alice's payment methods to bob's fresh gold token through another field with FORBIDDEN", async () => {
    const { body } = await h.post('{ repository(owner: "alice", name: "gut") { owner { paymentMethods { last4 } } } }', { token: await gold('bob') });
    expect(body).toMatchObject({
      data: { repository: { owner: { paymentMethods: null } } },
      errors: [{ path: ['repository', 'owner', 'paymentMethods'], extensions: { code: 'FORBIDDEN' } }],
    });
  });

  it("serves alice's card to her fresh gold token through node(id:)", async () => {
    const { body } = await readCard(ALICE_CARD, await gold('alice'));
    expect(body).toEqual({ data: { node: { id: ALICE_CARD, brand: 'Visa', last4: '4242' } } });
  });

  it("serves alice's card to her fresh gold token through viewer.paymentMethods", async () => {
    const { body } = await h.post('{ viewer { paymentMethods { id brand last4 } } }', { token: await gold('alice') });
    expect(body).toEqual({ data: { viewer: { paymentMethods: [{ id: ALICE_CARD, brand: 'Visa', last4: '4242' }] } } });
  });
});

describe('node(id:) of a protected type answers the same whether the object exists or not', () => {
  it("answers bob's fresh gold token the same for alice's card and for a missing card", async () => {
    const token = await gold('bob');
    const [existing, missing] = [await readCard(ALICE_CARD, token), await readCard(MISSING_CARD, token)];
    expect(observed(existing)).toEqual(observed(missing));
  });

  it('answers an anonymous caller with the same UNAUTHENTICATED challenge for an existing and a missing card', async () => {
    const [existing, missing] = [await readCard(ALICE_CARD), await readCard(MISSING_CARD)];
    expect(missing).toMatchObject({ status: 200, body: { data: { node: null }, errors: [{ path: ['node'], extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(observed(existing)).toEqual(observed(missing));
  });

  it('answers silver alice with the same STEP_UP_REQUIRED challenge for her card and a missing card', async () => {
    const token = await silver('alice');
    const [existing, missing] = [await readCard(ALICE_CARD, token), await readCard(MISSING_CARD, token)];
    expect(missing).toMatchObject({ status: 200, body: { data: { node: null }, errors: [{ path: ['node'], extensions: { code: 'STEP_UP_REQUIRED' } }] } });
    expect(observed(existing)).toEqual(observed(missing));
  });
});
