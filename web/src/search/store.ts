import { create } from 'zustand';
import { session } from '../api/instance.ts';

/** Whether the search dialog is open (Ctrl+K, or the sidebar's button). */
export const useSearchDialog = create<{ open: boolean; setOpen(open: boolean): void }>((set) => ({
  open: false,
  setOpen: (open) => set({ open }),
}));

// A session that ends (or changes) with the dialog open must not find it open at the next sign-in.
session.subscribe(() => useSearchDialog.setState({ open: false }));
