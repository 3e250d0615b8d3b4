import { create } from 'zustand';

export type ThemeChoice = 'light' | 'dark' | 'system';

// public/theme.js reads the same key before the first paint.
const key = 'fidus.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

function saved(): ThemeChoice {
  try {
    const value = localStorage.getItem(key);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

function apply(choice: ThemeChoice): void {
  const dark = choice === 'dark' || (choice === 'system' && media.matches);
  document.documentElement.classList.toggle('dark', dark);
}

interface ThemeState {
  choice: ThemeChoice;
  choose(choice: ThemeChoice): void;
}

export const useTheme = create<ThemeState>((set) => ({
  choice: saved(),
  choose(choice) {
    try {
      if (choice === 'system') localStorage.removeItem(key);
      else localStorage.setItem(key, choice);
    } catch {
      // not kept across reloads
    }
    apply(choice);
    set({ choice });
  },
}));

// "System" follows the operating system as it changes.
media.addEventListener('change', () => apply(useTheme.getState().choice));
