import { describe, expect, it } from 'vitest';
import { isSearchShortcut, shortcutLabel } from './shortcut.ts';

const keys = { key: 'k', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false };

describe('isSearchShortcut', () => {
  it('takes Ctrl+K and Cmd+K, in either case', () => {
    expect(isSearchShortcut({ ...keys, ctrlKey: true })).toBe(true);
    expect(isSearchShortcut({ ...keys, metaKey: true, key: 'K' })).toBe(true);
  });

  it('leaves K alone and other combinations', () => {
    expect(isSearchShortcut(keys)).toBe(false);
    expect(isSearchShortcut({ ...keys, ctrlKey: true, shiftKey: true })).toBe(false);
    expect(isSearchShortcut({ ...keys, ctrlKey: true, altKey: true })).toBe(false);
    expect(isSearchShortcut({ ...keys, ctrlKey: true, key: 'j' })).toBe(false);
  });
});

describe('shortcutLabel', () => {
  it('says ⌘K on Apple platforms, Ctrl+K elsewhere', () => {
    expect(shortcutLabel('MacIntel')).toBe('⌘K');
    expect(shortcutLabel('iPhone')).toBe('⌘K');
    expect(shortcutLabel('Linux x86_64')).toBe('Ctrl+K');
    expect(shortcutLabel('')).toBe('Ctrl+K');
  });
});
