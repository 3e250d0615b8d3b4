import { describe, expect, it } from 'vitest';
import { candidates, isTenantAdmin, mayEditProject } from './access.ts';
import type { TenantMember } from './types.ts';

describe('mayEditProject', () => {
  it('lets editors and admins change a project, never viewers or readers', () => {
    expect(mayEditProject('member', { role: 'editor' })).toBe(true);
    expect(mayEditProject('member', { role: 'reader' })).toBe(false);
    expect(mayEditProject('member', { role: null })).toBe(false);
    expect(mayEditProject('admin', { role: null })).toBe(true);
    expect(mayEditProject('owner', { role: 'reader' })).toBe(true);
    expect(mayEditProject('viewer', { role: 'editor' })).toBe(false);
    expect(mayEditProject(undefined, { role: 'editor' })).toBe(false);
  });

  it('knows the tenant admins', () => {
    expect(['owner', 'admin', 'member', 'viewer'].map((r) => isTenantAdmin(r as 'owner'))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('candidates', () => {
  const person = (userId: string, name: string): TenantMember => ({
    userId,
    name,
    email: `${name.toLowerCase()}@example.com`,
    role: 'member',
    joinedAt: '2025-01-01T00:00:00.000Z',
  });
  it('offers the tenant members not in the project, by name', () => {
    const tenant = [person('3', 'Zoe'), person('1', 'Ann'), person('2', 'Bob')];
    expect(candidates(tenant, ['2']).map((p) => p.name)).toEqual(['Ann', 'Zoe']);
    expect(candidates(tenant, ['1', '2', '3'])).toEqual([]);
  });
});
