import type { ReactNode } from 'react';

/** The bar over a page: its title, the drawer button on narrow screens, and the page's own actions. */
export function PageHeader({
  title,
  onOpenMenu,
  children,
}: {
  title: ReactNode;
  onOpenMenu(): void;
  children?: ReactNode;
}) {
  return (
    <header className="flex items-center gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
      <button
        type="button"
        className="rounded-md p-2 text-zinc-600 hover:bg-zinc-100 md:hidden dark:text-zinc-300 dark:hover:bg-zinc-800"
        onClick={onOpenMenu}
        aria-label="Open the menu"
      >
        ☰
      </button>
      <h1 className="min-w-0 flex-1 truncate font-medium" data-testid="page-title">
        {title}
      </h1>
      {children}
    </header>
  );
}
