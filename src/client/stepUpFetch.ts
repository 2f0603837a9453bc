import { readChallenge, type StepUpChallenge } from './challenge.js';
import { StepUpCoordinator } from './coordinator.js';
import { pendingOf, send, toReplayable, type Replayable } from './replayable.js';
import type { FetchLike, StepUpRequest } from './stepUpRequest.js';

export interface StepUpFetchOptions {
  /** The `fetch` to wrap. Default: the global `fetch`, looked up at each call. */
  readonly fetch?: FetchLike;
  /**
   * The current access token, read before every attempt (so the replay carries the token the step-up
   * produced); `undefined` sends no `Authorization`. Keep it in memory, never in `localStorage`.
   */
  accessToken(): string | undefined | Promise<string | undefined>;
  /**
   * Obtains a token that meets `request`, then resolves; rejecting fails every operation waiting for it with
   * that error. Called once for all the operations that fail together. `createOidcStepUp(…).stepUp` is one.
   */
  stepUp(request: StepUpRequest): Promise<void>;
  /**
   * Called with each challenge handed back to the app rather than answered: `impossible`, a challenge
   * that remains after the one replay, and (with `signIn: false`) a `sign-in`.
   */
  onChallenge?(challenge: StepUpChallenge, response: Response): void;
  /**
   * Whether an anonymous or refused caller (`UNAUTHENTICATED`) goes through `stepUp` as a `sign-in`
   * (with the refused fields' `acr_values`, so one login suffices). Default `true`; an app that browses
   * anonymously and shows protected fields only to signed-in users sets `false` and signs in on its own.
   */
  readonly signIn?: boolean;
}

/**
 * A `fetch` that answers step-up challenges: it sends `Authorization: Bearer <accessToken()>`, recognises a
 * challenge in the response (`readChallenge`: 200 with a partial answer, 401 for a refused mutation),
 * calls `stepUp` (one call shared by the operations that fail together), then replays the original request
 * exactly once, with its body (so its variables) unchanged, and returns that second response as it is.
 *
 * Never a loop: a challenge after the replay, `STEP_UP_IMPOSSIBLE`, and any other answer go back to the caller.
 * A used one-time step-up (`once`) is a `forceLogin` step-up; two operations that each need their own
 * one-time step-up share the login, so the second one's replay comes back challenged, to the app.
 * A call that needs the user's approval (`insufficient_authorization`) is a step-up asking for those
 * `authorizationDetails`; the replay is the identical request, so it matches what the user approved.
 */
export function createStepUpFetch(options: StepUpFetchOptions): FetchLike {
  if (typeof options.accessToken !== 'function') throw new TypeError('"accessToken" option must be a function returning the current access token');
  if (typeof options.stepUp !== 'function') throw new TypeError('"stepUp" option must be a function returning a promise');
  const coordinator = new StepUpCoordinator(options.stepUp);
  const signIn = options.signIn ?? true;
  const fetchOf = () => options.fetch ?? globalThis.fetch;

  const attempt = async (request: Replayable, ticket?: string) => send(fetchOf(), request, await options.accessToken(), ticket);

  return async (input, init) => {
    const request = await toReplayable(input, init);
    // Noted before the token is read: a step-up settling meanwhile is one this attempt did not benefit from.
    const mark = coordinator.mark();
    const first = await attempt(request);
    const challenge = await readChallenge(first);
    if (challenge === undefined) return first;
    if (challenge.kind === 'impossible' || (challenge.kind === 'sign-in' && !signIn)) {
      options.onChallenge?.(challenge, first);
      return first;
    }
    const { kind, acrValues, maxAge, requiredAcr, forceLogin, authorizationDetails } = challenge;
    await coordinator.satisfy(
      { kind, acrValues, maxAge, requiredAcr, forceLogin, ...(authorizationDetails === undefined ? {} : { authorizationDetails }) },
      mark,
      pendingOf(request),
    );
    // The first answer is dropped unread beyond the clone: release it.
    await first.body?.cancel().catch(() => undefined);
    // A transaction ticket (providers without RFC 9396) goes back with the one replay it was given for.
    const second = await attempt(request, challenge.transactionTicket);
    const again = await readChallenge(second);
    if (again !== undefined) options.onChallenge?.(again, second);
    return second;
  };
}
