import { describe, expect, it } from 'vitest';
import { assignableRoles, invitableRoles, inviteLink, isAdmin, mayRemove } from './roles.ts';
import { visibleSections } from './sections.ts';

describe('roles', () => {
  it('lets admins and owners manage the workspace', () => {
    expect(isAdmin('owner')).toBe(true);
    expect(isAdmin('admin')).toBe(true);
    expect(isAdmin('member')).toBe(false);
    expect(isAdmin('viewer')).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });

  it('keeps owners to owners: granting, changing and removing', () => {
    expect(assignableRoles('owner', 'owner')).toEqual(['owner', 'admin', 'member', 'viewer']);
    expect(assignableRoles('owner', 'viewer')).toEqual(['owner', 'admin', 'member', 'viewer']);
    expect(assignableRoles('admin', 'member')).toEqual(['admin', 'member', 'viewer']);
    expect(assignableRoles('admin', 'owner')).toEqual([]);
    expect(assignableRoles('member', 'viewer')).toEqual([]);
    expect(mayRemove('owner', 'owner')).toBe(true);
    expect(mayRemove('admin', 'owner')).toBe(false);
    expect(mayRemove('admin', 'admin')).toBe(true);
    expect(mayRemove('member', 'viewer')).toBe(false);
    expect(invitableRoles('owner')).toContain('owner');
    expect(invitableRoles('admin')).toEqual(['admin', 'member', 'viewer']);
    expect(invitableRoles('viewer')).toEqual([]);
  });

  it('builds the invite link on the app’s origin', () => {
    expect(inviteLink('https://fidus.example', 'fidi_abc-DEF_1')).toBe(
      'https://fidus.example/invite/fidi_abc-DEF_1',
    );
    expect(inviteLink('http://127.0.0.1:3000/', 'fidi_x')).toBe('http://127.0.0.1:3000/invite/fidi_x');
  });
});

describe('settings sections', () => {
  it('hides the admin sections from members and viewers', () => {
    expect(visibleSections('owner')).toEqual([
      'keys',
      'members',
      'invites',
      'providers',
      'retention',
      'appearance',
    ]);
    expect(visibleSections('member')).toEqual(['keys', 'retention', 'appearance']);
    expect(visibleSections(undefined)).toHaveLength(6);
  });
});
