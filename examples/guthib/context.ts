import type { StepUpContext } from 'step-up-gateway';
import type { GutHibLoaders } from './loaders.js';

/** The example graph's context: the step-up state plus the request's batched loaders. */
export interface GutHibContext extends StepUpContext {
  /** `sub` of the verified token; `undefined` for an anonymous caller. */
  readonly viewer: string | undefined;
  readonly loaders: GutHibLoaders;
}
