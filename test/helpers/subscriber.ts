import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { GutHibSource } from '../../examples/guthib/source.js';

/** What a subscriber saw, in order: each result, then `complete`, or an `error` message. */
export type Seen =
  | { readonly kind: 'next'; readonly result: ExecutionResult<Record<string, unknown>, Record<string, unknown>> }
  | { readonly kind: 'complete' }
  | { readonly kind: 'error'; readonly error: unknown };

export interface Subscriber {
  readonly client: Client;
  /** The close codes of the client's sockets, in order. */
  readonly closes: number[];
  /** Whether the connection was acknowledged. */
  readonly connected: Promise<void>;
  /** Subscribes; `take()` then reads what came, waiting up to `ms` for the next. */
  subscribe(query: string, variables?: Record<string, unknown>): Subscription;
  close(): Promise<void>;
}

export interface Subscription {
  /** The next thing seen (waits up to `ms`, then rejects). */
  take(ms?: number): Promise<Seen>;
  /** Whether nothing more comes within `ms`. */
  quiet(ms?: number): Promise<boolean>;
  /** Completes it from the client's side. */
  unsubscribe(): void;
}

/** `http://…/graphql` → `ws://…/graphql`. */
export function wsUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

/**
 * A real graphql-ws client (`graphql-transport-ws`) on a `ws` socket, as an app would open it: the token in
 * `connectionParams.authorization` (or in an `Authorization` header, or none), no retries unless asked.
 */
export function startSubscriber(
  httpUrl: string,
  options: {
    token?: string | (() => string | undefined);
    headers?: Record<string, string>;
    connectionParams?: Record<string, unknown>;
    retryAttempts?: number;
  } = {},
): Subscriber {
  const closes: number[] = [];
  const headers = options.headers ?? {};
  let connected!: () => void;
  const connectedPromise = new Promise<void>((done) => (connected = done));
  const client = createClient({
    url: wsUrlOf(httpUrl),
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
    lazy: false,
    retryAttempts: options.retryAttempts ?? 0,
    retryWait: () => new Promise((done) => setTimeout(done, 50)),
    shouldRetry: () => true,
    connectionParams: () => {
      if (options.connectionParams !== undefined) return options.connectionParams;
      const token = typeof options.token === 'function' ? options.token() : options.token;
      return token === undefined ? {} : { authorization: `Bearer ${token}` };
    },
    on: {
      connected: () => connected(),
      closed: (event) => void closes.push((event as { code: number }).code),
    },
    onNonLazyError: () => {},
  });
  return {
    client,
    closes,
    connected: connectedPromise,
    subscribe(query, variables) {
      const seen: Seen[] = [];
      let wake: (() => void) | undefined;
      const push = (one: Seen) => {
        seen.push(one);
        wake?.();
      };
      const unsubscribe = client.subscribe(
        { query, variables },
        {
          next: (result) => push({ kind: 'next', result: result as Seen extends { result: infer R } ? R : never }),
          complete: () => push({ kind: 'complete' }),
          error: (error) => push({ kind: 'error', error }),
        },
      );
      const take = async (ms = 3_000): Promise<Seen> => {
        const deadline = Date.now() + ms;
        while (seen.length === 0) {
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`nothing came within ${ms} ms`);
          await new Promise<void>((done) => {
            wake = done;
            setTimeout(done, left);
          });
          wake = undefined;
        }
        return seen.shift()!;
      };
      return {
        take,
        async quiet(ms = 300) {
          await new Promise((done) => setTimeout(done, ms));
          return seen.length === 0;
        },
        unsubscribe,
      };
    },
    close: () => client.dispose() as Promise<void>,
  };
}

/** Counts the star listeners open in the example's source from now on: a subscription left open upstream shows here. */
export function countStarListeners(source: GutHibSource): () => number {
  let listening = 0;
  const starsOf = source.starsOf.bind(source);
  source.starsOf = (owner, listener) => {
    listening += 1;
    const stop = starsOf(owner, listener);
    return () => {
      listening -= 1;
      stop();
    };
  };
  return () => listening;
}
