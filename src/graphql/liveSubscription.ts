import type { ExecutionResult, GraphQLError } from 'graphql';
import { gatewayError } from './errors.js';

/** Why a subscription ended, as the audit trail and the metrics name it. */
export type SubscriptionEndReason =
  /** The caller's level no longer meets a root field's requirement (it decayed): STEP_UP_REQUIRED. */
  | 'step_up_required'
  /** The connection's token is no longer accepted (expired, logged out, keys rotated away): UNAUTHENTICATED, then 4403. */
  | 'unauthenticated'
  /** Tokens or logouts cannot be checked right now: refused, never passed (fail closed). */
  | 'unavailable'
  /** The source ended (the subgraph or the resolver completed it, or failed). */
  | 'completed'
  /** The client completed it or closed its connection. */
  | 'client'
  /** The gateway is shutting down. */
  | 'shutdown'
  /** The client fell `maxQueued` results behind: SUBSCRIPTION_BACKLOG, so that a slow reader never grows the gateway. */
  | 'backlog';

/** A decision made again for the caller at `now`: nothing to say, or the end of the subscription. */
export type Recheck = undefined | { readonly reason: SubscriptionEndReason; readonly errors: readonly GraphQLError[] };

export interface LiveSubscriptionOptions<TContext> {
  /** The source event stream, opened (graphql-js CreateSourceEventStream). */
  readonly source: AsyncIterator<unknown>;
  /** The current time in seconds. */
  readonly clock: () => number;
  /** The root fields' requirements and the connection's token, decided again at `now`; may wait (revocations in Redis). */
  readonly recheck: (now: number) => Recheck | Promise<Recheck>;
  /** A context made for one event at `now`: its own step-up state, so that every decision is made again. */
  readonly contextAt: (now: number) => TContext;
  /** Executes one event with its context (graphql-js MapSourceToResponseEvent). */
  readonly execute: (event: unknown, context: TContext) => ExecutionResult | Promise<ExecutionResult>;
  /** Told once, when it ends, why. */
  readonly onEnd: (reason: SubscriptionEndReason) => void;
  /**
   * Results executed and not yet read by the client, at most: an event that comes while this many wait ends the
   * subscription (`backlog`) instead of being executed. Default 100.
   */
  readonly maxQueued?: number;
}

/**
 * A subscription whose decisions stay alive: before each event is executed, the root fields' requirements
 * and the connection's token are decided again with the current time, and with a fresh step-up state the
 * event's own protected fields are decided again too (the guards, the pruning). A decision that no longer
 * holds ends it: one final result naming why (its errors), then the end, and the source is closed, so that no
 * later event is delivered and no upstream subscription is left open. `recheck()` does the same between
 * events (a level decays while nothing is starred), and `end()` ends it from outside (a refused connection,
 * shutdown). A client that stops reading is not buffered for without bound: once `maxQueued` results wait,
 * the next event ends it with SUBSCRIPTION_BACKLOG after those results (it may subscribe again).
 */
export class LiveSubscription<TContext> implements AsyncIterableIterator<ExecutionResult> {
  readonly #options: LiveSubscriptionOptions<TContext>;
  /** Results ready for the consumer, in order. */
  readonly #ready: ExecutionResult[] = [];
  #waiting: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  /** Set once: no result is added after it, and the consumer is told `done` once `#ready` is drained. */
  #ended: SubscriptionEndReason | undefined;
  /** Resolved once the consumer has been told `done`. */
  readonly #drained: Promise<void>;
  #markDrained!: () => void;

  constructor(options: LiveSubscriptionOptions<TContext>) {
    this.#options = options;
    this.#drained = new Promise((done) => (this.#markDrained = done));
    void this.#pump();
  }

  /** Decides again now, without an event: a subscription whose level decayed ends even if nothing happens. */
  async recheck(): Promise<void> {
    if (this.#ended !== undefined) return;
    const verdict = await this.#options.recheck(this.#options.clock());
    if (verdict !== undefined) await this.end(verdict.reason, verdict.errors);
  }

  /**
   * Ends it: `errors` (if any) as its final result, then `done`; the source is closed. Resolves once the
   * consumer has read the end (or at once when it is not reading).
   */
  async end(reason: SubscriptionEndReason, errors: readonly GraphQLError[] = []): Promise<void> {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    if (errors.length > 0) this.#push({ errors: [...errors] });
    this.#wakeIfDone();
    this.#options.onEnd(reason);
    await this.#closeSource();
    // The consumer that is not reading (a socket already closing) is not waited for.
    await Promise.race([this.#drained, new Promise((done) => setTimeout(done, 1_000).unref())]);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const result = this.#ready.shift();
    if (result !== undefined) return Promise.resolve({ value: result, done: false });
    if (this.#ended !== undefined) {
      this.#markDrained();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** The consumer stops (the client completed it, or its connection closed). */
  async return(): Promise<IteratorResult<ExecutionResult>> {
    if (this.#ended === undefined) {
      this.#ended = 'client';
      this.#options.onEnd('client');
      await this.#closeSource();
    }
    this.#ready.length = 0;
    this.#wakeIfDone();
    this.#markDrained();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #pump(): Promise<void> {
    const { source, clock, recheck, contextAt, execute } = this.#options;
    try {
      for (;;) {
        const next = await source.next();
        if (this.#ended !== undefined) return;
        if (next.done === true) return void (await this.end('completed'));
        const maxQueued = this.#options.maxQueued ?? 100;
        if (this.#ready.length >= maxQueued) {
          const message = `The client fell ${maxQueued} events behind: the subscription was ended; subscribe again`;
          return void (await this.end('backlog', [gatewayError('SUBSCRIPTION_BACKLOG', message, { extensions: { limit: 'subscriptions.maxQueuedEvents' } })]));
        }
        const now = clock();
        const verdict = await recheck(now);
        if (this.#ended !== undefined) return;
        if (verdict !== undefined) return void (await this.end(verdict.reason, verdict.errors));
        const result = await execute(next.value, contextAt(now));
        if (this.#ended !== undefined) return;
        this.#push(result);
      }
    } catch {
      // A source that fails (a subgraph gone) ends the subscription; what failed is the source's to log.
      await this.end('completed');
    }
  }

  #push(result: ExecutionResult): void {
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting({ value: result, done: false });
    } else this.#ready.push(result);
  }

  /** A consumer waiting while nothing is left to give it is told `done`. */
  #wakeIfDone(): void {
    const waiting = this.#waiting;
    if (waiting === undefined || this.#ended === undefined || this.#ready.length > 0) return;
    this.#waiting = undefined;
    this.#markDrained();
    waiting({ value: undefined, done: true });
  }

  async #closeSource(): Promise<void> {
    try {
      await this.#options.source.return?.();
    } catch {
      // Closed either way: nothing more is read from it.
    }
  }
}
