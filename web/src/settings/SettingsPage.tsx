import type { ComponentType, MouseEvent } from 'react';
import { useRouter, type SettingsSection } from '../app/router.ts';
import { useMe } from '../threads/queries.ts';
import { PageHeader } from '../ui/PageHeader.tsx';
import { ApiKeysSection } from './ApiKeysSection.tsx';
import { AppearanceSection } from './AppearanceSection.tsx';
import { ErrorNote } from './ErrorNote.tsx';
import { InvitesSection } from './InvitesSection.tsx';
import { MembersSection } from './MembersSection.tsx';
import { ProvidersSection } from './ProvidersSection.tsx';
import { RetentionSection } from './RetentionSection.tsx';
import { roleLabels } from './roles.ts';
import { NotAllowed } from './Section.tsx';
import { sectionInfo, visibleSections } from './sections.ts';

const sections: Record<SettingsSection, ComponentType> = {
  keys: ApiKeysSection,
  members: MembersSection,
  invites: InvitesSection,
  providers: ProvidersSection,
  retention: RetentionSection,
  appearance: AppearanceSection,
};

/** `/settings/<section>`: the section nav and one section. Admin sections are hidden from others, and explained. */
export function SettingsPage({ section, onOpenMenu }: { section: SettingsSection; onOpenMenu(): void }) {
  const me = useMe();
  const role = me.data?.role;
  const info = sectionInfo[section];
  const Content = sections[section];
  return (
    <>
      <PageHeader title="Settings" onOpenMenu={onOpenMenu} />
      <div className="flex min-h-0 flex-1 flex-col overflow-y-auto md:flex-row">
        <SectionNav current={section} sections={visibleSections(role)} />
        <div className="min-w-0 flex-1 px-4 py-6 md:px-8" data-testid={`settings-${section}`}>
          <div className="mx-auto flex max-w-3xl flex-col gap-4">
            {me.isError ? (
              <ErrorNote error={me.error} />
            ) : info.adminOnly && !role ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>
            ) : info.adminOnly && role && (role === 'member' || role === 'viewer') ? (
              <NotAllowed title={info.label} role={roleLabels[role].toLowerCase()} />
            ) : (
              <Content />
            )}
          </div>
        </div>
      </div>
    </>
  );
}

function SectionNav({ current, sections }: { current: SettingsSection; sections: SettingsSection[] }) {
  const navigate = useRouter((state) => state.navigate);
  function open(event: MouseEvent<HTMLAnchorElement>, section: SettingsSection) {
    // A modified click opens a tab as a plain link would.
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    event.preventDefault();
    navigate({ name: 'settings', section });
  }
  return (
    <nav
      aria-label="Settings sections"
      className="shrink-0 border-b border-zinc-200 md:w-52 md:border-r md:border-b-0 dark:border-zinc-800"
    >
      <ul className="flex gap-1 overflow-x-auto p-2 md:flex-col md:p-3">
        {sections.map((section) => {
          const active = section === current;
          return (
            <li key={section} className="shrink-0">
              <a
                href={`/settings/${section}`}
                onClick={(event) => open(event, section)}
                aria-current={active ? 'page' : undefined}
                data-testid={`settings-nav-${section}`}
                className={`block rounded-md px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-teal-600 ${
                  active
                    ? 'bg-teal-50 font-medium text-teal-900 dark:bg-teal-950 dark:text-teal-100'
                    : 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800'
                }`}
              >
                {sectionInfo[section].label}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
