/** Where the session is kept: this tab only (sessionStorage) or this browser (localStorage); see api/session.ts. */
export function RememberMe({ checked, onChange }: { checked: boolean; onChange(value: boolean): void }) {
  return (
    <label className="flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        className="h-4 w-4 accent-teal-700"
      />
      Keep me signed in on this device
    </label>
  );
}
