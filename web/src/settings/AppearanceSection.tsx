import { useTheme, type ThemeChoice } from '../theme/theme.ts';
import { Section } from './Section.tsx';

const choices: { value: ThemeChoice; label: string; hint: string }[] = [
  { value: 'light', label: 'Light', hint: 'Always light' },
  { value: 'dark', label: 'Dark', hint: 'Always dark' },
  { value: 'system', label: 'System', hint: 'Follows your device’s setting' },
];

/** The theme, kept in this browser (the account menu has the same choice). */
export function AppearanceSection() {
  const { choice, choose } = useTheme();
  return (
    <Section title="Appearance" description="The theme of Fidus in this browser.">
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-zinc-800 dark:text-zinc-200">Theme</legend>
        <div className="grid gap-3 sm:grid-cols-3">
          {choices.map((option) => (
            <label
              key={option.value}
              className="flex cursor-pointer items-start gap-3 rounded-lg border border-zinc-300 p-3 has-checked:border-teal-600 has-checked:ring-2 has-checked:ring-teal-600/30 dark:border-zinc-700"
            >
              <input
                type="radio"
                name="theme"
                value={option.value}
                checked={choice === option.value}
                onChange={() => choose(option.value)}
                className="mt-0.5 h-4 w-4 accent-teal-700"
                data-testid={`theme-${option.value}`}
              />
              <span className="flex flex-col">
                <span className="text-sm font-medium">{option.label}</span>
                <span className="text-xs text-zinc-600 dark:text-zinc-400">{option.hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
    </Section>
  );
}
