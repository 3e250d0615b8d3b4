import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { logout } from '../auth/api.ts';
import { useTheme, type ThemeChoice } from '../theme/theme.ts';
import { useMe } from '../threads/queries.ts';

const itemClass =
  'flex cursor-default select-none items-center gap-2 rounded px-2 py-1.5 text-sm outline-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-700';

/** The account: who is signed in, the theme, sign-out. */
export function UserMenu() {
  const me = useMe();
  const { choice, choose } = useTheme();
  return (
    <div className="border-t border-zinc-200 p-2 dark:border-zinc-800">
      <DropdownMenu.Root>
        <DropdownMenu.Trigger
          className="flex w-full items-center gap-2 rounded-md px-2 py-2 text-left text-sm hover:bg-zinc-200 dark:hover:bg-zinc-800"
          data-testid="user-menu"
        >
          <span className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-teal-700 text-xs font-semibold text-white">
            {(me.data?.user.name ?? '?').slice(0, 1).toUpperCase()}
          </span>
          <span className="min-w-0 flex-1">
            <span className="block truncate font-medium">{me.data?.user.name ?? '…'}</span>
            <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400">
              {me.data?.tenant.name}
            </span>
          </span>
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content
            side="top"
            align="start"
            sideOffset={4}
            className="z-50 min-w-56 rounded-md border border-zinc-200 bg-white p-1 text-zinc-900 shadow-lg dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-100"
          >
            <DropdownMenu.Label className="px-2 py-1.5 text-xs text-zinc-500 dark:text-zinc-400">
              {me.data?.user.email}
            </DropdownMenu.Label>
            <DropdownMenu.Separator className="my-1 h-px bg-zinc-200 dark:bg-zinc-700" />
            <DropdownMenu.Label className="px-2 py-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">
              Theme
            </DropdownMenu.Label>
            <DropdownMenu.RadioGroup value={choice} onValueChange={(value) => choose(value as ThemeChoice)}>
              {(['light', 'dark', 'system'] as const).map((value) => (
                <DropdownMenu.RadioItem key={value} value={value} className={itemClass}>
                  <span className="w-3">
                    <DropdownMenu.ItemIndicator>✓</DropdownMenu.ItemIndicator>
                  </span>
                  {value[0]!.toUpperCase() + value.slice(1)}
                </DropdownMenu.RadioItem>
              ))}
            </DropdownMenu.RadioGroup>
            <DropdownMenu.Separator className="my-1 h-px bg-zinc-200 dark:bg-zinc-700" />
            <DropdownMenu.Item className={itemClass} onSelect={() => void logout()} data-testid="sign-out">
              Sign out
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
    </div>
  );
}
