import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { useState } from 'react';
import { ApiError } from '../api/client.ts';
import { logout, switchTenant } from '../auth/api.ts';
import { useTheme, type ThemeChoice } from '../theme/theme.ts';
import { escapeCloses } from '../threads/Dialog.tsx';
import { useMe } from '../threads/queries.ts';
import { useRouter } from './router.ts';

const itemClass =
  'flex cursor-default select-none items-center gap-2 rounded px-2 py-1.5 text-sm outline-none data-[highlighted]:bg-zinc-100 data-[disabled]:opacity-50 dark:data-[highlighted]:bg-zinc-700';
const labelClass = 'px-2 py-1 text-xs font-medium text-zinc-600 dark:text-zinc-400';
const separator = <DropdownMenu.Separator className="my-1 h-px bg-zinc-200 dark:bg-zinc-700" />;

/** The account: who is signed in, the workspace (and switching to another), the theme, sign-out. */
export function UserMenu() {
  const me = useMe();
  const { choice, choose } = useTheme();
  const navigate = useRouter((state) => state.navigate);
  const [switching, setSwitching] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [open, setOpen] = useState(false);
  const tenants = me.data?.tenants ?? [];

  async function switchTo(tenantId: string) {
    if (tenantId === me.data?.tenant.id) return;
    setSwitching(tenantId);
    setError(undefined);
    try {
      await switchTenant(tenantId);
      navigate({ name: 'new' });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
      setSwitching(undefined);
    }
  }

  return (
    <div className="border-t border-zinc-200 p-2 dark:border-zinc-800">
      {error && (
        <p
          role="alert"
          className="px-2 pb-2 text-xs text-red-700 dark:text-red-400"
          data-testid="tenant-switch-error"
        >
          The workspace could not be switched: {error}
        </p>
      )}
      {/* Not modal: a modal menu hides the page with aria-hidden while its focusable controls stay (axe). */}
      <DropdownMenu.Root modal={false} open={open} onOpenChange={setOpen}>
        <DropdownMenu.Trigger
          className="flex w-full items-center gap-2 rounded-md px-2 py-2 text-left text-sm hover:bg-zinc-200 dark:hover:bg-zinc-800"
          data-testid="user-menu"
        >
          <span className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-teal-700 text-xs font-semibold text-white">
            {(me.data?.user.name ?? '?').slice(0, 1).toUpperCase()}
          </span>
          <span className="min-w-0 flex-1">
            <span className="block truncate font-medium">{me.data?.user.name ?? '…'}</span>
            <span
              className="block truncate text-xs text-zinc-600 dark:text-zinc-400"
              data-testid="current-tenant"
            >
              {switching ? 'Switching…' : me.data?.tenant.name}
            </span>
          </span>
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content
            side="top"
            align="start"
            sideOffset={4}
            onEscapeKeyDown={escapeCloses(() => setOpen(false))}
            className="z-50 min-w-56 rounded-md border border-zinc-200 bg-white p-1 text-zinc-900 shadow-lg dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-100"
          >
            <DropdownMenu.Label className="px-2 py-1.5 text-xs text-zinc-600 dark:text-zinc-400">
              {me.data?.user.email}
            </DropdownMenu.Label>
            {tenants.length > 1 && (
              <>
                {separator}
                <DropdownMenu.Label className={labelClass}>Workspace</DropdownMenu.Label>
                <DropdownMenu.RadioGroup
                  value={me.data?.tenant.id ?? ''}
                  onValueChange={(tenantId) => void switchTo(tenantId)}
                >
                  {tenants.map((tenant) => (
                    <DropdownMenu.RadioItem
                      key={tenant.id}
                      value={tenant.id}
                      disabled={switching !== undefined}
                      className={itemClass}
                      data-testid="tenant-switch-item"
                      data-tenant-id={tenant.id}
                    >
                      <span className="w-3">
                        <DropdownMenu.ItemIndicator>✓</DropdownMenu.ItemIndicator>
                      </span>
                      <span className="min-w-0 flex-1 truncate">{tenant.name}</span>
                      <span className="text-xs text-zinc-600 dark:text-zinc-400">{tenant.role}</span>
                    </DropdownMenu.RadioItem>
                  ))}
                </DropdownMenu.RadioGroup>
              </>
            )}
            {separator}
            <DropdownMenu.Label className={labelClass}>Theme</DropdownMenu.Label>
            <DropdownMenu.RadioGroup value={choice} onValueChange={(value) => choose(value as ThemeChoice)}>
              {(['light', 'dark', 'system'] as const).map((value) => (
                <DropdownMenu.RadioItem
                  key={value}
                  value={value}
                  className={itemClass}
                  data-testid={`theme-${value}`}
                >
                  <span className="w-3">
                    <DropdownMenu.ItemIndicator>✓</DropdownMenu.ItemIndicator>
                  </span>
                  {value[0]!.toUpperCase() + value.slice(1)}
                </DropdownMenu.RadioItem>
              ))}
            </DropdownMenu.RadioGroup>
            {separator}
            <DropdownMenu.Item className={itemClass} onSelect={() => void logout()} data-testid="sign-out">
              Sign out
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
    </div>
  );
}
