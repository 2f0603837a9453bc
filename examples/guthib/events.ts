/**
 * Events a listener API pushes, as the async iterator a subscription resolver returns: buffered up to a
 * bound (the oldest is dropped beyond it: a slow subscriber loses events, it never grows the process), and
 * ended by `return()`, which stops listening. graphql-js calls `return()` when the subscription ends.
 */
export function eventsOf<T>(listen: (push: (event: T) => void) => () => void, maxBuffered = 100): AsyncIterableIterator<T> {
  const buffered: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let done = false;
  const stop = listen((event) => {
    if (done) return;
    if (waiting !== undefined) {
      const wake = waiting;
      waiting = undefined;
      wake({ value: event, done: false });
      return;
    }
    if (buffered.length >= maxBuffered) buffered.shift();
    buffered.push(event);
  });
  const finish = (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      stop();
      buffered.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    next() {
      if (buffered.length > 0) return Promise.resolve({ value: buffered.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: finish,
    throw(error?: unknown) {
      void finish();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
