import * as Select from '@radix-ui/react-select';
import { useModels } from '../threads/queries.ts';

// Radix Select has no empty value: this one stands for "no model chosen" (the thread's or the gateway's default).
const defaultValue = '__default__';

/** The models of `GET /v1/models`; "Default" leaves the choice to the project or the gateway. */
export function ModelPicker({
  value,
  onChange,
  disabled,
}: {
  value: string | null;
  onChange(model: string | null): void;
  disabled: boolean;
}) {
  const models = useModels();
  const ids = models.data?.map((m) => m.id) ?? [];
  // A model set earlier that the list no longer has stays choosable.
  if (value && !ids.includes(value)) ids.unshift(value);
  return (
    <Select.Root
      value={value ?? defaultValue}
      onValueChange={(next) => onChange(next === defaultValue ? null : next)}
      disabled={disabled}
    >
      <Select.Trigger
        aria-label="Model"
        data-testid="model-picker"
        className="inline-flex max-w-56 items-center gap-1 rounded-md border border-zinc-300 px-2 py-1 text-sm hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
      >
        <span className="truncate">
          <Select.Value />
        </span>
        <Select.Icon className="text-zinc-500">▾</Select.Icon>
      </Select.Trigger>
      <Select.Portal>
        <Select.Content
          position="popper"
          sideOffset={4}
          align="end"
          className="z-50 max-h-80 min-w-48 overflow-hidden rounded-md border border-zinc-200 bg-white text-zinc-900 shadow-lg dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-100"
        >
          <Select.Viewport className="p-1">
            <Item value={defaultValue} label="Default model" />
            {models.isError && (
              <p className="px-2 py-1.5 text-xs text-red-700 dark:text-red-400">Models could not be listed</p>
            )}
            {ids.map((id) => (
              <Item key={id} value={id} label={id} />
            ))}
          </Select.Viewport>
        </Select.Content>
      </Select.Portal>
    </Select.Root>
  );
}

function Item({ value, label }: { value: string; label: string }) {
  return (
    <Select.Item
      value={value}
      className="flex cursor-default items-center gap-2 rounded px-2 py-1.5 text-sm outline-none select-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-700"
    >
      <span className="w-3">
        <Select.ItemIndicator>✓</Select.ItemIndicator>
      </span>
      <Select.ItemText>{label}</Select.ItemText>
    </Select.Item>
  );
}
