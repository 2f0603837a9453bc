/**
 * `step-up-gateway/client`: what a browser app imports to answer the gateway's step-up challenges.
 * Framework-free, browser- and Node-compatible (no Node API); tokens live in the app's memory only.
 *
 * - `readChallenge(response)`: recognises `STEP_UP_REQUIRED`, a used one-time step-up, `APPROVAL_REQUIRED` (the
 *   user's approval of this call, RFC 9396), `UNAUTHENTICATED` and `STEP_UP_IMPOSSIBLE` from the response alone
 *   (RFC 9470 header and/or `errors[].extensions`).
 * - `createStepUpFetch({ accessToken, stepUp })`: a `fetch` that steps up once for all the operations that
 *   fail together, then replays each exactly once.
 * - `createStepUpSubscriptions({ url, accessToken, stepUp })`: GraphQL over WebSocket (graphql-ws) whose subscriptions,
 *   ended by the gateway for a decayed level or a refused token, step up once and resubscribe.
 * - `createOidcStepUp({ issuer, clientId, redirectUri, mode, onTokens })`: a `stepUp` for any OpenID Provider
 *   (authorization code + PKCE, popup or redirect), checking `acr`/`auth_time` before anything is replayed.
 *
 * Adapters: `step-up-gateway/client/apollo` (Apollo Client 4) and `step-up-gateway/client/urql` (urql 6).
 */
export { readChallenge, parseWwwAuthenticate, type StepUpChallenge } from './challenge.js';
export { createStepUpFetch, type StepUpFetchOptions } from './stepUpFetch.js';
export { createStepUpSubscriptions, type StepUpSubscriptions, type StepUpSubscriptionsOptions } from './subscriptions.js';
export { covers, type AuthorizationDetail, type FetchLike, type PendingOperation, type StepUpRequest } from './stepUpRequest.js';
export { assertApprovalsGranted } from './approvals.js';
export { createOidcStepUp, type OidcStepUp, type OidcStepUpOptions, type ResumedOperation, type StepUpTokens } from './oidc.js';
export { assertStepUpSatisfied, type SatisfiedOptions } from './satisfied.js';
export { handlePopupCallback, type MessageEventLike, type PopupLike, type StorageLike, type WindowLike } from './browser.js';
export type { PopupOptions } from './popup.js';
export { StepUpError, StepUpNotSatisfied, type StepUpErrorCode } from './errors.js';
