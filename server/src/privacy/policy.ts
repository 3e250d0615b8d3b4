import { isIP } from 'node:net';
import type { CustomPattern, DenyList, DetectOptions, FindingType } from './types.ts';

/**
 * What happens to a type of personal data on its way to a provider: sent as is, replaced by a placeholder that the
 * answer turns back (`pseudonymize`), replaced for good (`redact`), or the request refused (`block`, 422
 * `pii_blocked`). Ordered from loosest to strictest: a narrower scope may only move a type to the right.
 */
export const privacyActions = ['allow', 'pseudonymize', 'redact', 'block'] as const;
export type PrivacyAction = (typeof privacyActions)[number];

/** `local`: the model runs under the operator's control and sees raw text by default. `cloud`: anything else. */
export const providerClasses = ['local', 'cloud'] as const;
export type ProviderClass = (typeof providerClasses)[number];

export type ClassActions = Partial<Record<ProviderClass, PrivacyAction>>;

/**
 * One scope's policy (tenant, project or API key): per entity type and provider class an action; `default` for the
 * types a scope does not name (tenants' own pattern and deny-list types included). A scope names only what it
 * changes; missing entries inherit.
 */
export interface PrivacyPolicy {
  default?: ClassActions;
  types?: Partial<Record<FindingType, ClassActions>>;
  /** Tenant scope only: extra recognisers. */
  patterns?: CustomPattern[];
  denyLists?: DenyList[];
  /** Tenant scope only: terms never treated as personal data (the company's own name). */
  allowList?: string[];
}

/** The tenant scope's own recognisers (patterns, deny-lists, allow-list) as options of `detect`. */
export function detectOptionsOf(tenant: PrivacyPolicy | undefined): DetectOptions {
  const options: DetectOptions = {};
  if (tenant?.patterns?.length) options.patterns = tenant.patterns;
  if (tenant?.denyLists?.length) options.denyLists = tenant.denyLists;
  if (tenant?.allowList?.length) options.allowList = tenant.allowList;
  return options;
}

/** Cloud → pseudonymise every type; local → allow. */
export const defaultPolicy = {
  default: { local: 'allow', cloud: 'pseudonymize' },
} as const satisfies PrivacyPolicy;

const rank = (action: PrivacyAction) => privacyActions.indexOf(action);
const stricter = (a: PrivacyAction, b: PrivacyAction): PrivacyAction => (rank(a) >= rank(b) ? a : b);

function actionIn(
  policy: PrivacyPolicy,
  type: FindingType,
  providerClass: ProviderClass,
): PrivacyAction | undefined {
  return policy.types?.[type]?.[providerClass] ?? policy.default?.[providerClass];
}

/**
 * The action for `type` on a provider of `providerClass` under the scopes given broadest first (tenant, project,
 * API key): the tenant's own setting (or the default policy's), made stricter — never looser — by each narrower
 * scope.
 */
export function effectiveAction(
  scopes: readonly PrivacyPolicy[],
  type: FindingType,
  providerClass: ProviderClass,
): PrivacyAction {
  const [tenant, ...narrower] = scopes;
  let action =
    (tenant && actionIn(tenant, type, providerClass)) ?? actionIn(defaultPolicy, type, providerClass)!;
  for (const scope of narrower) {
    const own = actionIn(scope, type, providerClass);
    if (own) action = stricter(action, own);
  }
  return action;
}

/** The action for the types no scope names: the tenant's default (or the default policy's), tightened by each. */
function effectiveDefault(scopes: readonly PrivacyPolicy[], providerClass: ProviderClass): PrivacyAction {
  const [tenant, ...narrower] = scopes;
  let action = tenant?.default?.[providerClass] ?? defaultPolicy.default[providerClass];
  for (const scope of narrower) {
    const own = scope.default?.[providerClass];
    if (own) action = stricter(action, own);
  }
  return action;
}

/**
 * The places where `narrower` would loosen what `broader` (already effective) sets, as field paths
 * (`types.EMAIL.cloud`): a project or API key policy with any of them is refused — its setting would be silently
 * overruled. A type it names is compared with that type's effective action; its `default` with the broader
 * scopes' default (types that a broader scope names stay as strict as it set them, whatever this default says).
 */
export function loosenings(broader: readonly PrivacyPolicy[], narrower: PrivacyPolicy): string[] {
  const problems: string[] = [];
  for (const providerClass of providerClasses) {
    const own = narrower.default?.[providerClass];
    if (own && rank(own) < rank(effectiveDefault(broader, providerClass))) {
      problems.push(`default.${providerClass}`);
    }
    for (const [type, actions] of Object.entries(narrower.types ?? {})) {
      const action = actions?.[providerClass];
      if (action && rank(action) < rank(effectiveAction(broader, type, providerClass))) {
        problems.push(`types.${type}.${providerClass}`);
      }
    }
  }
  return problems;
}

/**
 * A provider is local when its config says so (`local: true|false` always wins), else when its base URL's host is
 * a loopback address (`localhost`, 127.0.0.0/8, ::1). No base URL (the vendor's own endpoint) is cloud.
 */
export function providerClassOf(provider: {
  baseURL?: string | null;
  local?: boolean | null;
}): ProviderClass {
  if (typeof provider.local === 'boolean') return provider.local ? 'local' : 'cloud';
  if (!provider.baseURL) return 'cloud';
  let host: string;
  try {
    host = new URL(provider.baseURL).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return 'cloud';
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'local';
  if (isIP(host) === 4) return host.startsWith('127.') ? 'local' : 'cloud';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' ? 'local' : 'cloud';
  return 'cloud';
}
