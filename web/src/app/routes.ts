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
 * (`/p/<id>`), settings (`/settings/<section>`), usage (`/usage`), an invite link (`/invite/<token>`), the agents
 * (`/agents`, `/agents/new`, `/agents/<id>`, `/agents/<id>/edit`), a run (`/runs/<id>`) and the MCP servers
 * (`/mcp-servers`).
 */
export type Route =
  | { name: 'new'; projectId?: string }
  | { name: 'thread'; threadId: string }
  | { name: 'project'; projectId: string }
  | { name: 'settings'; section: SettingsSection }
  | { name: 'usage' }
  | { name: 'invite'; token: string }
  | { name: 'agents' }
  | { name: 'agent-new' }
  | { name: 'agent'; agentId: string }
  | { name: 'agent-edit'; agentId: string }
  | { name: 'run'; runId: string }
  | { name: 'mcp-servers' };

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
  [/^\/agents\/?$/, () => ({ name: 'agents' })],
  [/^\/agents\/new\/?$/, () => ({ name: 'agent-new' })],
  [new RegExp(`^/agents/${uuid}/?$`, 'i'), (m) => ({ name: 'agent', agentId: m[1]!.toLowerCase() })],
  [
    new RegExp(`^/agents/${uuid}/edit/?$`, 'i'),
    (m) => ({ name: 'agent-edit', agentId: m[1]!.toLowerCase() }),
  ],
  [new RegExp(`^/runs/${uuid}/?$`, 'i'), (m) => ({ name: 'run', runId: m[1]!.toLowerCase() })],
  [/^\/mcp-servers\/?$/, () => ({ name: 'mcp-servers' })],
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
    case 'agents':
      return '/agents';
    case 'agent-new':
      return '/agents/new';
    case 'agent':
      return `/agents/${route.agentId}`;
    case 'agent-edit':
      return `/agents/${route.agentId}/edit`;
    case 'run':
      return `/runs/${route.runId}`;
    case 'mcp-servers':
      return '/mcp-servers';
  }
}
