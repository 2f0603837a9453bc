import { createClient, type Client, type ClientOptions, type FormattedExecutionResult as ExecutionResult, type Sink, type SubscribePayload } from 'graphql-ws';
import { readChallenge, type StepUpChallenge } from './challenge.js';
import { StepUpCoordinator } from './coordinator.js';
import type { StepUpRequest } from './stepUpRequest.js';

export interface StepUpSubscriptionsOptions {
  /** The gateway's WebSocket URL, e.g. `wss://api.example/graphql`. */
  readonly url: string;
  /** The current access token, read at every (re)connection: it goes in `connectionParams.authorization`. */
  accessToken(): string | undefined | Promise<string | undefined>;
  /** Obtains a token that meets `request`, then resolves, as for `createStepUpFetch`; `createOidcStepUp(…).stepUp` is one. */
  stepUp(request: StepUpRequest): Promise<void>;
  /** Called with each challenge handed back to the app rather than answered (`impossible`, or one after the resubscription). */
  onChallenge?(challenge: StepUpChallenge): void;
  /** The WebSocket class where there is no global one (Node: `ws`). */
  readonly webSocketImpl?: unknown;
  /** More graphql-ws client options (`retryAttempts`, `keepAlive`, `on`, …); `url` and `connectionParams` are this client's. */
  readonly clientOptions?: Omit<ClientOptions, 'url' | 'connectionParams' | 'webSocketImpl'>;
}

export interface StepUpSubscriptions {
  /**
   * A graphql-ws `Client` whose `subscribe` is this one's, for what takes a client: Apollo Client's
   * `new GraphQLWsLink(subscriptions.client)`. Its `iterate` does not step up.
   */
  readonly client: Client;
  /** Subscribes as graphql-ws's `client.subscribe` does; a step-up end is answered once before the sink sees it. */
  subscribe<Data = Record<string, unknown>>(payload: SubscribePayload, sink: Sink<ExecutionResult<Data, unknown>>): () => void;
  dispose(): Promise<void>;
}

/** The codes that end a subscription and that a new token can answer. */
const ANSWERABLE = new Set(['STEP_UP_REQUIRED', 'APPROVAL_REQUIRED', 'UNAUTHENTICATED', 'STEP_UP_IMPOSSIBLE']);

/**
 * The WebSocket side of `step-up-gateway/client`: subscriptions that survive a step-up. The gateway ends a
 * subscription whose level decayed with one result holding `STEP_UP_REQUIRED` (and `acrValues`, `maxAge`),
 * then `complete`; a token that expired or was logged out ends with `UNAUTHENTICATED` and a 4403 close. Such
 * an end is held back from the sink: the same step-up as over HTTP runs (one for the subscriptions of this
 * client that end together, through its coordinator), the socket is opened again with the new token in
 * `connectionParams`, and the subscription is made once more. If that one ends the same way before it
 * delivered an event and before the challenge's max age can have run out since the step-up (the new token did
 * not help), or the step-up fails, the sink gets the end as it came (`onChallenge` too): never a loop. A feed
 * that lived on after a step-up and then decays again is answered again, as the first time.
 */
export function createStepUpSubscriptions(options: StepUpSubscriptionsOptions): StepUpSubscriptions {
  if (typeof options.accessToken !== 'function') throw new TypeError('"accessToken" option must be a function returning the current access token');
  if (typeof options.stepUp !== 'function') throw new TypeError('"stepUp" option must be a function returning a promise');
  const coordinator = new StepUpCoordinator(options.stepUp);
  const client = createClient({
    retryAttempts: 5,
    ...options.clientOptions,
    url: options.url,
    ...(options.webSocketImpl === undefined ? {} : { webSocketImpl: options.webSocketImpl }),
    // Read at every connection: the socket opened after a step-up carries the new token.
    connectionParams: async () => {
      const token = await options.accessToken();
      return token === undefined ? {} : { authorization: `Bearer ${token}` };
    },
  });

  const subscribe = <Data>(payload: SubscribePayload, sink: Sink<ExecutionResult<Data, unknown>>): (() => void) => {
    let stopped = false;
    let stop: () => void = () => {};
    /** `steppedUpAt`: when the step-up this subscription follows ended (ms); undefined for the first one. */
    const run = (steppedUpAt?: number) => {
      const mark = coordinator.mark();
      let ending: ExecutionResult<Data, unknown> | undefined;
      let delivered = false;
      stop = client.subscribe<Data>(payload, {
        next(result) {
          // An end the gateway explains: errors on the root field and no data, then `complete`.
          const codes = (result.errors ?? []).map((error) => (error as { extensions?: { code?: unknown } }).extensions?.code);
          if (result.data == null && codes.some((code) => ANSWERABLE.has(code as string))) ending = result;
          else {
            delivered = true;
            sink.next(result);
          }
        },
        error: (error) => sink.error(error),
        complete() {
          if (ending === undefined || stopped) return sink.complete();
          const end = ending;
          void answer(end, delivered ? undefined : steppedUpAt, mark).then((again) => {
            if (again && !stopped) return run(Date.now());
            sink.next(end);
            sink.complete();
          });
        },
      });
    };
    /** `steppedUpAt`: set when this end may be the very step-up failing (the subscription delivered nothing since). */
    const answer = async (end: ExecutionResult<Data, unknown>, steppedUpAt: number | undefined, mark: number): Promise<boolean> => {
      // The end's errors, read as an answer's body: the same challenge as over HTTP.
      const challenge = await readChallenge(new Response(null, { status: 200 }), { errors: end.errors });
      if (challenge === undefined) return false;
      // The token from the step-up did not help, unless the challenge's max age has run out since: a new decay.
      const unhelped =
        steppedUpAt !== undefined && !(challenge.maxAge !== undefined && challenge.maxAge > 0 && Date.now() - steppedUpAt >= challenge.maxAge * 1000);
      if (challenge.kind === 'impossible' || unhelped) {
        options.onChallenge?.(challenge);
        return false;
      }
      const { message: _message, transactionTicket: _ticket, ...need } = challenge;
      try {
        await coordinator.satisfy({ ...need, kind: challenge.kind }, mark, {
          url: options.url,
          method: 'SUBSCRIBE',
          headers: [],
          body: JSON.stringify(payload),
        });
      } catch {
        return false;
      }
      // The socket still open carries the old token: a new one is opened for this subscription (others on it
      // are made again on the new socket by graphql-ws itself).
      client.terminate();
      return true;
    };
    run();
    return () => {
      stopped = true;
      stop();
    };
  };
  const stepUpClient: Client = {
    on: client.on,
    iterate: client.iterate,
    terminate: client.terminate,
    dispose: client.dispose,
    subscribe: subscribe as Client['subscribe'],
  };
  return {
    client: stepUpClient,
    subscribe,
    dispose: async () => {
      await client.dispose();
    },
  };
}
