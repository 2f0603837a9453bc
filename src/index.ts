/**
 * The public API: what a team needs to put `@isAuthenticated` on its own graph, in its own Apollo Server
 * (`createStepUp`), and the building blocks `createStepUp` assembles. The standalone gateway (`startGateway`
 * with a `GraphDefinition`) is `step-up-gateway/gateway`; the pure policy engine is also `step-up-gateway/policy`.
 * See README.md, "Use it on your own graph".
 */
export { createStepUp } from './graphql/createStepUp.js';
export type { StepUp, StepUpOptions, StepUpRequestContext } from './graphql/createStepUp.js';
export type { GraphDefinition, GraphRequest } from './gateway/graph.js';
export { stepUpTypeDefs, readSchemaFolder, withStepUpTypeDefs } from './graphql/loadSchema.js';
export { createACRValueScalar } from './graphql/acrScalar.js';
export { buildPolicyTable, DIRECTIVE_NAME } from './graphql/policyTable.js';
export type { PolicyEntry, PolicySource, PolicyTable } from './graphql/policyTable.js';
export { applyStepUpGuards } from './graphql/guard.js';
export { stepUpPlugin } from './graphql/plugin.js';
export type { StepUpPluginOptions } from './graphql/plugin.js';
export { createStepUpState } from './graphql/context.js';
export type { Caller, StepUpContext, StepUpState } from './graphql/context.js';
export { requirementsOfOperation } from './graphql/operationPolicy.js';
export type { SelectedRequirement } from './graphql/operationPolicy.js';
export { gatewayError } from './graphql/errors.js';
export type { ErrorCode, GatewayErrorOptions } from './graphql/errors.js';

export { createLadder, DEFAULT_LEVELS, effectiveLevel, nominalLevel } from './stepup/ladder.js';
export type { Authentication, Ladder, Level, LevelDefinition } from './stepup/ladder.js';
export { combine, combineAll, isAtLeastAsStrict, requirementOf, satisfies } from './stepup/requirement.js';
export type { Requirement, RequirementArguments } from './stepup/requirement.js';
export { challengeOf, insufficientAuthenticationChallenge, invalidTokenChallenge } from './stepup/challenge.js';
export type { Challenge } from './stepup/challenge.js';

export { readBearerToken } from './auth/bearer.js';
export type { Credentials } from './auth/bearer.js';
export { createTokenVerifier, ASYMMETRIC_ALGORITHMS } from './auth/verifyToken.js';
export type { TokenVerifier, TokenVerifierOptions } from './auth/verifyToken.js';
export { discoverKeys } from './auth/discoverKeys.js';
export type { Principal, TokenOutcome } from './auth/principal.js';
