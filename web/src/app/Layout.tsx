import { lazy, Suspense, useState } from 'react';
import { InviteAccept } from '../auth/InviteAccept.tsx';
import { ChatView } from '../chat/ChatView.tsx';
import { ProjectPage } from '../projects/ProjectPage.tsx';
import { Sidebar } from '../threads/Sidebar.tsx';
import { useRouter, type Route } from './router.ts';

// Pages away from the chat load when first opened: the chat's first screen does not wait for their code.
const SettingsPage = lazy(() =>
  import('../settings/SettingsPage.tsx').then((module) => ({ default: module.SettingsPage })),
);
const UsagePage = lazy(() =>
  import('../usage/UsagePage.tsx').then((module) => ({ default: module.UsagePage })),
);
// The agents and MCP pages share one chunk (agents/pages.ts).
const agentPages = () => import('../agents/pages.ts');
const AgentsPage = lazy(() => agentPages().then((module) => ({ default: module.AgentsPage })));
const AgentPage = lazy(() => agentPages().then((module) => ({ default: module.AgentPage })));
const AgentEditorPage = lazy(() => agentPages().then((module) => ({ default: module.AgentEditorPage })));
const RunPage = lazy(() => agentPages().then((module) => ({ default: module.RunPage })));
const McpServersPage = lazy(() => agentPages().then((module) => ({ default: module.McpServersPage })));

export function Layout() {
  const route = useRouter((state) => state.route);
  const [menuOpen, setMenuOpen] = useState(false);
  const threadId = route.name === 'thread' ? route.threadId : undefined;
  return (
    <div className="flex h-full">
      <Sidebar activeId={threadId} open={menuOpen} onClose={() => setMenuOpen(false)} />
      <main className="flex min-w-0 flex-1 flex-col">
        <Suspense fallback={<p className="p-6 text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>}>
          <Page route={route} onOpenMenu={() => setMenuOpen(true)} />
        </Suspense>
      </main>
    </div>
  );
}

function Page({ route, onOpenMenu }: { route: Route; onOpenMenu(): void }) {
  switch (route.name) {
    case 'thread':
    case 'new': {
      const threadId = route.name === 'thread' ? route.threadId : undefined;
      const projectId = route.name === 'new' ? route.projectId : undefined;
      // Keyed by thread: a thread's draft and scroll never leak into another.
      return (
        <ChatView
          key={threadId ?? `new:${projectId ?? ''}`}
          threadId={threadId}
          projectId={projectId}
          onOpenMenu={onOpenMenu}
        />
      );
    }
    case 'project':
      return <ProjectPage key={route.projectId} projectId={route.projectId} onOpenMenu={onOpenMenu} />;
    case 'settings':
      return <SettingsPage section={route.section} onOpenMenu={onOpenMenu} />;
    case 'usage':
      return <UsagePage onOpenMenu={onOpenMenu} />;
    case 'invite':
      return <InviteAccept token={route.token} />;
    case 'agents':
      return <AgentsPage onOpenMenu={onOpenMenu} />;
    case 'agent-new':
      return <AgentEditorPage onOpenMenu={onOpenMenu} />;
    case 'agent':
      return <AgentPage key={route.agentId} agentId={route.agentId} onOpenMenu={onOpenMenu} />;
    case 'agent-edit':
      return <AgentEditorPage key={route.agentId} agentId={route.agentId} onOpenMenu={onOpenMenu} />;
    case 'run':
      return <RunPage key={route.runId} runId={route.runId} onOpenMenu={onOpenMenu} />;
    case 'mcp-servers':
      return <McpServersPage onOpenMenu={onOpenMenu} />;
  }
}
