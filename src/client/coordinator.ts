import { covers, type PendingOperation, type StepUpRequest } from './stepUpRequest.js';

type Need = Omit<StepUpRequest, 'operations'>;

interface Attempt {
  readonly id: number;
  readonly request: Need & { readonly operations: PendingOperation[] };
  settled: Promise<void>;
  pending: boolean;
}

/**
 * Shares step-ups between operations that fail together: one re-authentication for all of them.
 *
 * Each operation notes `mark()` before reading its token. When it is challenged, it joins the latest step-up
 * if that one started after its token was read (in flight, or done since) and asks at least as much; it
 * waits for one in flight that asks less, then starts its own. So an operation causes at most one step-up,
 * and at most one step-up is in flight at a time: the user sees one login, then, only if an operation
 * needs more than that login gave (a stricter level, a new login), one more.
 */
export class StepUpCoordinator {
  #latest: Attempt | undefined;
  #started = 0;
  #settled = 0;
  readonly #stepUp: (request: StepUpRequest) => Promise<void>;

  constructor(stepUp: (request: StepUpRequest) => Promise<void>) {
    this.#stepUp = stepUp;
  }

  /** The step-ups settled so far: a token read now is at least as new as these. */
  mark(): number {
    return this.#settled;
  }

  /**
   * Resolves when a step-up that satisfies `need` has succeeded since `mark`; rejects with its error when it
   * failed (all the operations that joined it fail with it).
   */
  async satisfy(need: Need, mark: number, operation: PendingOperation): Promise<void> {
    for (;;) {
      const latest = this.#latest;
      if (latest !== undefined && latest.id > mark && covers(latest.request, need)) {
        if (latest.pending) latest.request.operations.push(operation);
        return latest.settled;
      }
      if (latest?.pending !== true) return this.#start(need, operation);
      await latest.settled.catch(() => undefined);
    }
  }

  #start(need: Need, operation: PendingOperation): Promise<void> {
    const attempt: Attempt = { id: ++this.#started, request: { ...need, operations: [operation] }, settled: Promise.resolve(), pending: true };
    this.#latest = attempt;
    // A microtask later: failures of the same tick join before the app sees the request.
    attempt.settled = Promise.resolve()
      .then(() => this.#stepUp(attempt.request))
      .finally(() => {
        attempt.pending = false;
        this.#settled = attempt.id;
      });
    return attempt.settled;
  }
}
