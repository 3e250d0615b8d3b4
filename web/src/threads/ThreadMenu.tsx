import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { useRef, useState } from 'react';
import type { Thread } from '../api/types.ts';
import { escapeCloses } from './Dialog.tsx';

export const menuContentClass =
  'z-50 min-w-44 rounded-md border border-zinc-200 bg-white p-1 text-zinc-900 shadow-lg dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-100';
export const menuItemClass =
  'flex cursor-default select-none items-center gap-2 rounded px-2 py-1.5 text-sm outline-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-700';

export type ThreadAction = 'pin' | 'rename' | 'archive' | 'delete';

/** The "⋯" menu of a thread in the sidebar (one the user may change): pin or unpin, rename, archive, delete. */
export function ThreadMenu({
  thread,
  title,
  active,
  onAction,
}: {
  thread: Thread;
  title: string;
  /** The thread on screen: its button is always shown. */
  active: boolean;
  onAction(action: ThreadAction): void;
}) {
  // An action that opens a dialog keeps the focus there, not on this menu's button.
  const opensDialog = useRef(false);
  const [open, setOpen] = useState(false);
  const choose = (action: ThreadAction) => () => {
    opensDialog.current = action === 'rename' || action === 'delete';
    onAction(action);
  };
  return (
    <DropdownMenu.Root modal={false} open={open} onOpenChange={setOpen}>
      <DropdownMenu.Trigger
        className={`shrink-0 rounded px-1.5 py-0.5 text-zinc-600 ${active ? '' : 'opacity-0'} group-hover:opacity-100 hover:bg-zinc-300 focus-visible:opacity-100 data-[state=open]:opacity-100 dark:text-zinc-300 dark:hover:bg-zinc-700 [@media(hover:none)]:opacity-100`}
        aria-label={`Actions for ${title}`}
        data-testid="thread-menu"
      >
        ⋯
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="start"
          sideOffset={4}
          className={menuContentClass}
          onEscapeKeyDown={escapeCloses(() => setOpen(false))}
          onCloseAutoFocus={(event) => {
            if (opensDialog.current) event.preventDefault();
            opensDialog.current = false;
          }}
        >
          <DropdownMenu.Item className={menuItemClass} onSelect={choose('pin')} data-testid="thread-menu-pin">
            {thread.pinned ? 'Unpin' : 'Pin'}
          </DropdownMenu.Item>
          <DropdownMenu.Item
            className={menuItemClass}
            onSelect={choose('rename')}
            data-testid="thread-menu-rename"
          >
            Rename…
          </DropdownMenu.Item>
          <DropdownMenu.Item
            className={menuItemClass}
            onSelect={choose('archive')}
            data-testid="thread-menu-archive"
          >
            Archive
          </DropdownMenu.Item>
          <DropdownMenu.Separator className="my-1 h-px bg-zinc-200 dark:bg-zinc-700" />
          <DropdownMenu.Item
            className={`${menuItemClass} text-red-700 dark:text-red-400`}
            onSelect={choose('delete')}
            data-testid="thread-menu-delete"
          >
            Delete…
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
