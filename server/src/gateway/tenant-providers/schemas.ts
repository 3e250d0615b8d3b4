import { z } from 'zod';
import { ProviderConfigSchema, providerTypes } from '../../core/index.ts';

// The API shape of a tenant's providers is the config file's (`providers[]` and `models[]`), with one
// difference: values are literal. `env:NAME` would read the operator's environment, so tenants may not use it.

const noEnv = (value: string) => !value.startsWith('env:');
const envRefused = 'must be the value itself: env: references are for the operator’s config file';

const ApiKey = z.string().min(1).max(4096).refine(noEnv, envRefused);
const Headers = z.record(
  z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be a header name'),
  z.string().max(4096).refine(noEnv, envRefused),
);

// `discover` is the operator's switch for the config file's providers; a tenant's are always discovered.
export const ProviderInputSchema = ProviderConfigSchema.omit({ discover: true }).extend({
  apiKey: ApiKey.optional(),
  headers: Headers.optional(),
});
export type ProviderInput = z.infer<typeof ProviderInputSchema>;

/** A change: absent fields stay, `null` removes an optional one. The `id` is the path's. */
export const ProviderPatchSchema = z.strictObject({
  type: z.enum(providerTypes).optional(),
  baseURL: ProviderConfigSchema.shape.baseURL.unwrap().nullable().optional(),
  apiKey: ApiKey.nullable().optional(),
  headers: Headers.nullable().optional(),
  local: z.boolean().nullable().optional(),
});
export type ProviderPatch = z.infer<typeof ProviderPatchSchema>;

export const ProviderSchema = z.object({
  id: z.string(),
  type: z.enum(providerTypes),
  baseURL: z.string().nullable(),
  /** Never the key: `••••` and its last four characters, or null when none is set. */
  apiKey: z.string().nullable(),
  /** Header names, each value masked. */
  headers: z.record(z.string(), z.string()),
  local: z.boolean().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProviderView = z.infer<typeof ProviderSchema>;

export const ProviderIdParams = z.object({ id: ProviderConfigSchema.shape.id });

export const ProviderTestSchema = z.object({
  ok: z.boolean(),
  /** The upstream's HTTP status, or null when it could not be reached. */
  status: z.number().int().nullable(),
  latencyMs: z.number().int(),
  /** How many models the provider lists, when it answered with a list. */
  models: z.number().int().nullable(),
  message: z.string(),
});

const Target = z.strictObject({
  provider: ProviderConfigSchema.shape.id,
  model: z.string().min(1).max(200),
});

export const AliasInputSchema = z.strictObject({
  alias: ProviderConfigSchema.shape.id,
  targets: z.array(Target).min(1, 'must name at least one target').max(20),
});
export const AliasPatchSchema = z.strictObject({ targets: AliasInputSchema.shape.targets });
export const AliasParams = z.object({ alias: ProviderConfigSchema.shape.id });
export const AliasSchema = AliasInputSchema.extend({ createdAt: z.string(), updatedAt: z.string() });
export type AliasView = z.infer<typeof AliasSchema>;
