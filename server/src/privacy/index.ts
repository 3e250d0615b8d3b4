// The privacy module: finding personal data in text and replacing it by placeholders before a cloud model sees
// it, then putting it back in the answer. Pure functions, no I/O (policies, storage of the mappings and the
// request path live elsewhere). See docs/privacy.md.
export { entityTypes, typeNamePattern } from './types.ts';
export type { CustomPattern, DenyList, DetectOptions, EntityType, Finding, FindingType } from './types.ts';
export { defaultMinScore, detect, resolveOverlaps } from './detect.ts';
export { limits as customLimits, patternProblem, validateCustom } from './custom.ts';
export {
  createRestorer,
  emptyMapping,
  placeholderPattern,
  pseudonymise,
  redact,
  restore,
  restoreValue,
} from './pseudonymise.ts';
export type { PseudonymMap, Pseudonymised, RestoreOptions, Restorer } from './pseudonymise.ts';
export { evaluate, excludedLabels, f2, labelMap, parseCorpus, presidioReference } from './evaluate.ts';
export type { Counts, Evaluation, GoldSpan, Sample, Scores } from './evaluate.ts';
export { ibanValid, luhnValid } from './checksums.ts';
export {
  defaultPolicy,
  detectOptionsOf,
  effectiveAction,
  loosenings,
  privacyActions,
  providerClasses,
  providerClassOf,
} from './policy.ts';
export type { ClassActions, PrivacyAction, PrivacyPolicy, ProviderClass } from './policy.ts';
