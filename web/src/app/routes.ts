export const settingsSections = [
  'keys',
  'members',
  'invites',
  'providers',
  'retention',
  'appearance',
] as const;
export type SettingsSection = (typeof settingsSections)[number];

/**
 * The app's places: a new chat (`/`, or `/p/<project>/new` inside a project), a thread (`/t/<id>`), a project
 * (`/p/<id>`), settings (`/settings/<section>`), usage (`/usage`) and an invite link (`/invite/<token>`).
 */
export type Route =
  | { name: 'new'; projectId?: string }
  | { name: 'thread'; threadId: string }
  | { name: 'project'; projectId: string }
  | { name: 'settings'; section: SettingsSection }
  | { name: 'usage' }
  | { name: 'invite'; token: string };

const uuid = '([0-9a-f-]{36})';
const patterns: [RegExp, (match: RegExpExecArray) => Route][] = [
  [new RegExp(`^/t/${uuid}/?$`, 'i'), (m) => ({ name: 'thread', threadId: m[1]!.toLowerCase() })],
  [new RegExp(`^/p/${uuid}/new/?$`, 'i'), (m) => ({ name: 'new', projectId: m[1]!.toLowerCase() })],
  [new RegExp(`^/p/${uuid}/?$`, 'i'), (m) => ({ name: 'project', projectId: m[1]!.toLowerCase() })],
  [/^\/settings\/?$/, () => ({ name: 'settings', section: 'keys' })],
  [
    /^\/settings\/([a-z]+)\/?$/,
    (m) => ({
      name: 'settings',
      section: (settingsSections as readonly string[]).includes(m[1]!) ? (m[1] as SettingsSection) : 'keys',
    }),
  ],
  [/^\/usage\/?$/, () => ({ name: 'usage' })],
  [/^\/invite\/([A-Za-z0-9_-]+)\/?$/, (m) => ({ name: 'invite', token: m[1]! })],
];

export function parseRoute(pathname: string): Route {
  for (const [pattern, route] of patterns) {
    const match = pattern.exec(pathname);
    if (match) return route(match);
  }
  return { name: 'new' };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'thread':
      return `/t/${route.threadId}`;
    case 'new':
      return route.projectId ? `/p/${route.projectId}/new` : '/';
    case 'project':
      return `/p/${route.projectId}`;
    case 'settings':
      return `/settings/${route.section}`;
    case 'usage':
      return '/usage';
    case 'invite':
      return `/invite/${route.token}`;
  }
}
