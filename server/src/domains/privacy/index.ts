// The privacy domain: tenants', projects' and API keys' privacy policies, the preview endpoint, and the threads'
// sealed placeholder mappings. The detection itself is the `privacy` module (layer 1), applied on the gateway's
// request path; docs/privacy.md.
export * as privacySchema from './schema.ts';
export {
  loadThreadMapping,
  loadThreadMappingIn,
  saveThreadMapping,
  saveThreadMappingIn,
} from './mappings.ts';
export { forgetPolicies, privacyScopes, scopesCacheMs } from './policies.ts';
export { privacyRoutes } from './routes.ts';
export { chatPrivacy, withCallerPolicies } from './callers.ts';
