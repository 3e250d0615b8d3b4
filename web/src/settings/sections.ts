import { settingsSections, type SettingsSection } from '../app/routes.ts';
import { isAdmin } from './roles.ts';
import type { Role } from './types.ts';

export interface SectionInfo {
  label: string;
  /** The section's API answers 403 below admin: hidden from others' navigation, explained if opened. */
  adminOnly: boolean;
}

export const sectionInfo: Record<SettingsSection, SectionInfo> = {
  keys: { label: 'API keys', adminOnly: false },
  members: { label: 'Members', adminOnly: true },
  invites: { label: 'Invites', adminOnly: true },
  providers: { label: 'Providers', adminOnly: true },
  retention: { label: 'Retention', adminOnly: false },
  appearance: { label: 'Appearance', adminOnly: false },
};

/** The sections to list for `role`; while the role is not known yet, all of them (no flicker for admins). */
export const visibleSections = (role: Role | undefined): SettingsSection[] =>
  settingsSections.filter(
    (section) => role === undefined || isAdmin(role) || !sectionInfo[section].adminOnly,
  );
