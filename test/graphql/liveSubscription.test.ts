import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LiveSubscription, type SubscriptionEndReason } from '../../src/graphql/liveSubscription.js';

/** A source the test feeds by hand: `emit(n)` makes event n available; `closed` tells whether it was closed. */
function handSource() {
  const pending: number[] = [];
  let wake: ((result: IteratorResult<number>) => void) | undefined;
  const state = { closed: false };
  const source: AsyncIterator<number> = {
    next: () => {
      const value = pending.shift();
      if (value !== undefined) return Promise.resolve({ value, done: false });
      return new Promise((resolve) => (wake = resolve));
    },
    return: () => {
      state.closed = true;
      wake?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  const emit = (value: number) => {
    const waiting = wake;
    wake = undefined;
    if (waiting !== undefined) waiting({ value, done: false });
    else pending.push(value);
  };
  return { source, emit, state };
}

const settle = () => new Promise((done) => setTimeout(done, 10));

function live(maxQueued: number) {
  const { source, emit, state } = handSource();
  const executed: number[] = [];
  const ends: SubscriptionEndReason[] = [];
  const feed = new LiveSubscription({
    source,
    clock: () => 1_000,
    recheck: () => undefined,
    contextAt: () => ({}),
    execute: (event: unknown): ExecutionResult => {
      executed.push(event as number);
      return { data: { n: event } };
    },
    onEnd: (reason) => void ends.push(reason),
    maxQueued,
  });
  return { feed, emit, state, executed, ends };
}

describe('LiveSubscription: a client that does not read', () => {
  it('ends with SUBSCRIPTION_BACKLOG after the results it holds, executing nothing more, and closes the source', async () => {
    const { feed, emit, state, executed, ends } = live(3);
    for (let n = 1; n <= 5; n += 1) emit(n);
    await settle();
    expect([executed, ends, state.closed]).toEqual([[1, 2, 3], ['backlog'], true]);
    const read: unknown[] = [];
    for await (const result of feed) read.push(result.data ?? result.errors?.map((error) => error.extensions['code']));
    expect(read).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, ['SUBSCRIPTION_BACKLOG']]);
  });

  it('goes on for as many events as come when the client reads each one', async () => {
    const { feed, emit, executed, ends } = live(2);
    const read: unknown[] = [];
    for (let n = 1; n <= 10; n += 1) {
      emit(n);
      read.push((await feed.next()).value?.data);
    }
    expect([executed.length, ends, read.at(-1)]).toEqual([10, [], { n: 10 }]);
    await feed.return();
    expect(ends).toEqual(['client']);
  });
});
