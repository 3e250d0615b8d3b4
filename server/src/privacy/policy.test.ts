import { describe, expect, it } from 'vitest';
import { effectiveAction, loosenings, providerClassOf, type PrivacyPolicy } from './policy.ts';

describe('privacy policy', () => {
  it('defaults to pseudonymising everything for cloud providers and allowing it for local ones', () => {
    expect(effectiveAction([], 'EMAIL', 'cloud')).toBe('pseudonymize');
    expect(effectiveAction([], 'CUSTOMER_ID', 'cloud')).toBe('pseudonymize');
    expect(effectiveAction([], 'EMAIL', 'local')).toBe('allow');
  });

  it('takes the tenant setting, and lets narrower scopes only tighten it', () => {
    const tenant: PrivacyPolicy = { default: { cloud: 'pseudonymize' }, types: { URL: { cloud: 'allow' } } };
    const project: PrivacyPolicy = { types: { EMAIL: { cloud: 'block' }, URL: { cloud: 'allow' } } };
    const key: PrivacyPolicy = { default: { local: 'redact' }, types: { EMAIL: { cloud: 'allow' } } };
    expect(effectiveAction([tenant], 'URL', 'cloud')).toBe('allow');
    expect(effectiveAction([tenant, project], 'EMAIL', 'cloud')).toBe('block');
    // The key's looser EMAIL setting changes nothing: the project's block stands.
    expect(effectiveAction([tenant, project, key], 'EMAIL', 'cloud')).toBe('block');
    expect(effectiveAction([tenant, project, key], 'PERSON', 'local')).toBe('redact');
  });

  it('names the fields where a narrower scope would loosen the broader ones', () => {
    const tenant: PrivacyPolicy = { types: { SECRET: { cloud: 'block' }, URL: { cloud: 'allow' } } };
    expect(
      loosenings([tenant], { types: { SECRET: { cloud: 'pseudonymize' }, URL: { cloud: 'redact' } } }),
    ).toEqual(['types.SECRET.cloud']);
    expect(loosenings([tenant], { default: { cloud: 'allow' } })).toEqual(['default.cloud']);
    expect(loosenings([tenant], { default: { local: 'pseudonymize' } })).toEqual([]);
    // A stricter default is no loosening, even where the tenant blocks one type: that type stays blocked.
    expect(loosenings([tenant], { default: { cloud: 'redact' } })).toEqual([]);
    expect(effectiveAction([tenant, { default: { cloud: 'redact' } }], 'SECRET', 'cloud')).toBe('block');
  });

  it('classes providers by their local flag, else by a loopback base URL', () => {
    expect(providerClassOf({ baseURL: 'http://127.0.0.1:11434/v1' })).toBe('local');
    expect(providerClassOf({ baseURL: 'http://localhost:8080' })).toBe('local');
    expect(providerClassOf({ baseURL: 'http://[::1]:8080/v1' })).toBe('local');
    expect(providerClassOf({ baseURL: 'https://api.openai.com/v1' })).toBe('cloud');
    expect(providerClassOf({ baseURL: 'http://10.0.0.5/v1' })).toBe('cloud');
    expect(providerClassOf({})).toBe('cloud');
    expect(providerClassOf({ baseURL: 'http://127.0.0.1:1/v1', local: false })).toBe('cloud');
    expect(providerClassOf({ baseURL: 'https://gpu.example.com/v1', local: true })).toBe('local');
  });
});
