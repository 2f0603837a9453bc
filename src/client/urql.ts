import { Client, fetchExchange, type ClientOptions } from '@urql/core';
import { createStepUpFetch, type StepUpFetchOptions } from './stepUpFetch.js';

export interface StepUpClientOptions extends Omit<ClientOptions, 'fetch' | 'exchanges'>, StepUpFetchOptions {
  /** Default `[fetchExchange]`; put `cacheExchange` (or Graphcache) before it as usual. */
  readonly exchanges?: ClientOptions['exchanges'];
}

/**
 * `step-up-gateway/client/urql`: an urql 6 `Client` whose `fetchExchange` sends through `createStepUpFetch`.
 * urql's `fetch` option is the whole integration, so an existing client only adds one option:
 *
 * ```ts
 * const client = new Client({ url: '/graphql', exchanges: [cacheExchange, fetchExchange],
 *   fetch: createStepUpFetch({ accessToken: () => token, stepUp: oidc.stepUp }) });
 * ```
 *
 * Why not `@urql/exchange-auth`: its `refreshAuth` is told neither what the challenge asked (`acr_values`,
 * `max_age`, a new login) nor about a 401 whose body it parsed as an error, and it re-executes operations
 * through the exchange chain, not the original HTTP request; at the `fetch` level the challenge is read from
 * the response itself and the request is replayed byte for byte, exactly once. Queries sent as GET (urql's
 * `preferGetMethod` default) are replayed as GET.
 */
export function createStepUpClient(options: StepUpClientOptions): Client {
  const { accessToken, stepUp, onChallenge, signIn, fetch, exchanges = [fetchExchange], ...client } = options;
  return new Client({ ...client, exchanges, fetch: createStepUpFetch({ accessToken, stepUp, onChallenge, signIn, fetch }) as typeof globalThis.fetch });
}
