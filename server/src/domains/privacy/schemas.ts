import { z } from 'zod';
import { customLimits, entityTypes, privacyActions, typeNamePattern } from '../../privacy/index.ts';

const Id = z.uuid();
const Timestamp = z.string().describe('ISO-8601, UTC');

/** Built-in types and tenants' own share one shape: the name becomes part of a placeholder (`<CUSTOMER_ID_1>`). */
const TypeName = z
  .string()
  .regex(typeNamePattern, 'must be a built-in type or upper case letters, digits and _ (at most 40)')
  .describe(`A built-in type (${entityTypes.join(', ')}) or a tenant's own (\`CUSTOMER_ID\`)`);

const Action = z.enum(privacyActions);
const ClassActions = z.strictObject({ local: Action.optional(), cloud: Action.optional() });

/** At most this many entries in `types`: the built-in ones and every type a tenant can add, with room to spare. */
const maxTypes = 200;
const Types = z
  .record(TypeName, ClassActions)
  .refine((types) => Object.keys(types).length <= maxTypes, `at most ${maxTypes} types`)
  .describe('Per type: the action for each provider class; missing entries inherit');

const Score = z.number().min(0).max(1);

// Lengths and counts that validateCustom also checks are bounded here generously, so that an absurd body is
// refused by the schema before any regular expression is compiled; validateCustom gives the precise reasons.
const CustomPattern = z.strictObject({
  type: TypeName,
  pattern: z.string().max(customLimits.patternLength * 2),
  ignoreCase: z.boolean().optional(),
  score: Score.optional(),
});
const DenyList = z.strictObject({
  type: TypeName,
  terms: z.array(z.string().max(customLimits.termLength * 2)).max(customLimits.denyTerms),
  score: Score.optional(),
});

/** A project's or API key's policy: actions only; patterns and lists are the tenant's. */
export const ScopePolicyInput = z.strictObject({
  default: ClassActions.optional().describe('For every type the scope does not name'),
  types: Types.optional(),
});

export const TenantPolicyInput = ScopePolicyInput.extend({
  patterns: z
    .array(CustomPattern)
    .max(customLimits.patterns * 2)
    .optional()
    .describe('Extra recognisers: RE2 regular expressions (linear time; no look-around or back-references)'),
  denyLists: z
    .array(DenyList)
    .max(customLimits.denyTerms)
    .optional()
    .describe('Terms always protected (case-insensitive, whole words)'),
  allowList: z
    .array(z.string().trim().min(1).max(customLimits.termLength))
    .max(customLimits.denyTerms)
    .optional()
    .describe('Terms never treated as personal data, e.g. the company’s own name'),
});

const ClassActionsView = z.object({ local: Action.optional(), cloud: Action.optional() });
const PolicyView = z
  .object({
    default: ClassActionsView.optional(),
    types: z.record(z.string(), ClassActionsView).optional(),
    patterns: z
      .array(
        z.object({
          type: z.string(),
          pattern: z.string(),
          ignoreCase: z.boolean().optional(),
          score: z.number().optional(),
        }),
      )
      .optional(),
    denyLists: z
      .array(z.object({ type: z.string(), terms: z.array(z.string()), score: z.number().optional() }))
      .optional(),
    allowList: z.array(z.string()).optional(),
  })
  .describe('As stored; `{}` is the default (cloud → pseudonymize, local → allow)');

const Effective = z
  .object({
    default: z.object({ local: Action, cloud: Action }),
    types: z.record(z.string(), z.object({ local: Action, cloud: Action })),
  })
  .describe(
    'What applies in this scope, the broader scopes included: `default` for a type not listed, `types` for ' +
      'every built-in type and every type the policies name',
  );

export const PolicyResponse = z.object({
  policy: PolicyView,
  effective: Effective,
  /** Null while the scope has no policy of its own. */
  updatedAt: Timestamp.nullable(),
  updatedBy: Id.nullable(),
});

export const IdParams = z.strictObject({ id: Id });

export const maxPreviewChars = 100_000;
export const PreviewBody = z.strictObject({
  text: z
    .string()
    .max(maxPreviewChars)
    .describe(`At most ${maxPreviewChars.toLocaleString('en')} characters`),
});

export const PreviewResponse = z.object({
  text: z.string().describe('What a cloud model would receive under the caller’s policy (a fresh mapping)'),
  findings: z.array(
    z.object({
      type: z.string(),
      start: z.number().int().describe('UTF-16 index in the input'),
      end: z.number().int(),
      score: z.number(),
      action: Action.describe('The action the caller’s policy takes on it for a cloud provider'),
    }),
  ),
  blocked: z
    .array(z.string())
    .describe(
      'Types the policy blocks: a request with this text to a cloud model is refused (422 pii_blocked)',
    ),
});

export type TenantPolicyInput = z.infer<typeof TenantPolicyInput>;
export type ScopePolicyInput = z.infer<typeof ScopePolicyInput>;
export type PolicyResponse = z.infer<typeof PolicyResponse>;
export type PreviewResponse = z.infer<typeof PreviewResponse>;
