import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, T0, type Harness } from '../helpers/gateway.js';

/**
 * A ladder whose HIGH has two acr strings, as LemonLDAP::NG needs (`loa-<authentication level>`):
 * more acr values than the organisation has levels.
 */
describe('a ladder level with several acr strings, over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      file: {
        ladder: [
          { name: 'LOW', acr: 'loa-1' },
          { name: 'MEDIUM', acr: 'loa-2', maxAge: 43_200 },
          { name: 'HIGH', acr: ['loa-3', 'loa-4'], maxAge: 300 },
        ],
      },
    });
  });
  afterAll(() => h?.close());

  const CARDS = '{ viewer { paymentMethods { last4 } } }';

  it('serves a HIGH field to a token carrying the second acr string of HIGH', async () => {
    const { status, body } = await h.post(CARDS, { token: await h.issuer.sign({ acr: 'loa-4', auth_time: T0 }) });
    expect([status, body.errors, body.data]).toEqual([200, undefined, { viewer: { paymentMethods: [{ last4: expect.any(String) }] } }]);
  });

  it('challenges a MEDIUM token with every acr string of HIGH, weakest first', async () => {
    const { headers, body } = await h.post(CARDS, { token: await h.issuer.sign({ acr: 'loa-2', auth_time: T0 }) });
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'STEP_UP_REQUIRED', acrValues: 'loa-3 loa-4' } });
    expect(headers.get('www-authenticate')).toContain('acr_values="loa-3 loa-4", max_age="300"');
  });
});
