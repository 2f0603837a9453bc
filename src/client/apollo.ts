import { HttpLink } from '@apollo/client/link/http';
import { createStepUpFetch, type StepUpFetchOptions } from './stepUpFetch.js';

export interface StepUpLinkOptions extends Omit<HttpLink.Options, 'fetch'>, StepUpFetchOptions {}

/**
 * `step-up-gateway/client/apollo`: an Apollo Client 4 `HttpLink` whose `fetch` answers step-up challenges
 * (`createStepUpFetch`). The step-up and the one replay happen below the link, on the very HTTP request
 * Apollo built, so the replay carries the operation's own variables, concurrent operations share one
 * step-up, and Apollo sees only the final answer (a 401 that remains after the replay is Apollo's usual
 * `ServerError` or `CombinedGraphQLErrors`). Every `HttpLink` option except `fetch` passes through.
 *
 * ```ts
 * import { ApolloClient, InMemoryCache } from '@apollo/client';
 * import { createOidcStepUp } from 'step-up-gateway/client';
 * import { createStepUpLink } from 'step-up-gateway/client/apollo';
 *
 * let token: string | undefined;
 * const oidc = createOidcStepUp({ issuer: 'https://id.example', clientId: 'web', redirectUri: `${location.origin}/callback.html`, mode: 'popup', onTokens: (t) => void (token = t.accessToken) });
 * const client = new ApolloClient({ cache: new InMemoryCache(), link: createStepUpLink({ uri: '/graphql', accessToken: () => token, stepUp: oidc.stepUp }) });
 * ```
 * (`callback.html` runs `createOidcStepUp(…).handlePopupCallback()`, or the standalone `handlePopupCallback()`.)
 * In an existing app, put it where the `HttpLink` was: `ApolloLink.from([errorLink, createStepUpLink({ … })])`.
 */
export function createStepUpLink(options: StepUpLinkOptions): HttpLink {
  const { accessToken, stepUp, onChallenge, signIn, fetch, ...http } = options;
  const stepUpFetch = createStepUpFetch({ accessToken, stepUp, onChallenge, signIn, fetch });
  return new HttpLink({ ...http, fetch: stepUpFetch as typeof globalThis.fetch });
}
