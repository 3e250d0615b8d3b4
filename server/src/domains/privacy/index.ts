// The privacy domain: tenants', projects' and API keys' privacy policies, the preview endpoint, and the threads'
// sealed placeholder mappings. The detection itself is the `privacy` module (layer 2); docs/privacy.md.
export * as privacySchema from './schema.ts';
