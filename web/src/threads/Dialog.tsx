import * as RadixDialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';

export const overlayClass = 'fixed inset-0 z-40 bg-black/40';
export const panelClass =
  'fixed left-1/2 top-[15%] z-50 w-[min(30rem,calc(100%-2rem))] -translate-x-1/2 rounded-xl border border-zinc-200 bg-white text-zinc-900 shadow-xl outline-none dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100';

/**
 * Esc closes the dialog (or menu) and is marked handled, so that the page under it does not act on it too (the
 * chat stops an answer on Esc).
 */
export function escapeCloses(close: () => void) {
  return (event: KeyboardEvent) => {
    event.preventDefault();
    close();
  };
}

/** A small modal dialog: a title, an optional description, its content. */
export function Dialog({
  open,
  onOpenChange,
  title,
  description,
  children,
}: {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  return (
    <RadixDialog.Root open={open} onOpenChange={onOpenChange}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className={overlayClass} />
        <RadixDialog.Content
          className={`${panelClass} p-5`}
          onEscapeKeyDown={escapeCloses(() => onOpenChange(false))}
          {...(description ? {} : { 'aria-describedby': undefined })}
        >
          <RadixDialog.Title className="text-lg font-semibold">{title}</RadixDialog.Title>
          {description && (
            <RadixDialog.Description className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
              {description}
            </RadixDialog.Description>
          )}
          <div className="mt-4">{children}</div>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}
