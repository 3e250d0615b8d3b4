import type { Database, Vault } from '../../db/index.ts';
import type { Gateway } from '../../gateway/index.ts';
import { emptyMapping } from '../../privacy/index.ts';
import type { ChatPrivacy } from '../chat/index.ts';
import { loadThreadMapping, saveThreadMapping } from './mappings.ts';
import { privacyScopes } from './policies.ts';

/**
 * The gateway as the `/v1` endpoints use it: each call carries its caller's privacy policies (the tenant's, and the
 * API key's when the call comes with one) and a mapping of its own — on `/v1` placeholders are stable within a
 * request. A call that brings its own `privacy` (the chat, with a thread's mapping) keeps it.
 */
export function withCallerPolicies(gateway: Gateway, db: Database): Gateway {
  return {
    ...gateway,
    async chatCompletion(request, context) {
      if (context.privacy) return gateway.chatCompletion(request, context);
      const scopes = await privacyScopes(db, context.tenantId, { apiKeyId: context.apiKeyId });
      return gateway.chatCompletion(request, { ...context, privacy: { scopes, mapping: emptyMapping() } });
    },
  };
}

/** The chat's side: a thread's calls carry its tenant's and project's policies and the thread's sealed mapping. */
export function chatPrivacy(db: Database, vault: Vault): ChatPrivacy {
  return {
    scopes: (tenantId, projectId) => privacyScopes(db, tenantId, { projectId }),
    loadMapping: (tenantId, threadId) => loadThreadMapping(db, vault, tenantId, threadId),
    saveMapping: (tenantId, threadId, mapping) => saveThreadMapping(db, vault, tenantId, threadId, mapping),
  };
}
