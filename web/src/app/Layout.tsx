import { useState } from 'react';
import { ChatView } from '../chat/ChatView.tsx';
import { Sidebar } from '../threads/Sidebar.tsx';
import { useRouter } from './router.ts';

export function Layout() {
  const route = useRouter((state) => state.route);
  const [menuOpen, setMenuOpen] = useState(false);
  const threadId = route.name === 'thread' ? route.threadId : undefined;
  return (
    <div className="flex h-full">
      <Sidebar activeId={threadId} open={menuOpen} onClose={() => setMenuOpen(false)} />
      <main className="flex min-w-0 flex-1 flex-col">
        {/* Keyed by thread: a thread's draft and scroll never leak into another. */}
        <ChatView key={threadId ?? 'new'} threadId={threadId} onOpenMenu={() => setMenuOpen(true)} />
      </main>
    </div>
  );
}
