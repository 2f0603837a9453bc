/**
 * `step-up-gateway/policy`: the pure step-up engine, with no GraphQL, HTTP or token code: the ladder
 * and its decay, requirements and how they combine, and the RFC 9470 challenge. For a service that
 * makes its own decisions from a principal's `acr` and `auth_time`.
 */
export { createLadder, DEFAULT_LEVELS, effectiveLevel, nominalLevel } from './stepup/ladder.js';
export type { Authentication, Ladder, Level, LevelDefinition } from './stepup/ladder.js';
export { combine, combineAll, isAtLeastAsStrict, requirementOf, satisfies } from './stepup/requirement.js';
export type { Requirement, RequirementArguments } from './stepup/requirement.js';
export { challengeOf, describeChallenge, insufficientAuthenticationChallenge, invalidTokenChallenge } from './stepup/challenge.js';
export type { Challenge } from './stepup/challenge.js';
export { approvalFor, carriesApproval, insufficientAuthorizationChallenge, remediationOf } from './stepup/approval.js';
export type { ApprovalBinding, AuthorizationDetail } from './stepup/approval.js';
export { canonicalJson } from './stepup/canonicalJson.js';
