import { create } from 'zustand';
import { session } from '../api/instance.ts';

/** Whether the last sign-out was not asked for (a refused refresh, another tab): the sign-in screen says so. */
export const useSessionEnded = create<{ ended: boolean }>(() => ({ ended: false }));

let asked = false;

/** The user signs out: not an ended session. */
export function expectSignOut(): void {
  asked = true;
}

session.subscribe(() => {
  useSessionEnded.setState({ ended: !session.signedIn && !asked });
  asked = false;
});
