import { api, session } from '../api/instance.ts';
import type { SessionAnswer } from '../api/types.ts';
import { expectSignOut } from './ended.ts';

// Set once this browser has signed in to this Fidus: from then on the app opens on sign-in, not owner set-up.
const knownKey = 'fidus.known';

export function knownInstance(): boolean {
  try {
    return localStorage.getItem(knownKey) === '1';
  } catch {
    return false;
  }
}

function signedIn(answer: SessionAnswer, remember: boolean): void {
  session.start(answer, remember);
  try {
    localStorage.setItem(knownKey, '1');
  } catch {
    // storage disabled
  }
}

export interface Registration {
  name: string;
  email: string;
  password: string;
  inviteToken?: string | undefined;
}

export async function register(input: Registration, remember: boolean): Promise<void> {
  const body = input.inviteToken ? input : { name: input.name, email: input.email, password: input.password };
  signedIn(
    await api.json<SessionAnswer>('/api/v1/auth/register', { method: 'POST', body, anonymous: true }),
    remember,
  );
}

export async function login(email: string, password: string, remember: boolean): Promise<void> {
  const answer = await api.json<SessionAnswer>('/api/v1/auth/login', {
    method: 'POST',
    body: { email, password },
    anonymous: true,
  });
  signedIn(answer, remember);
}

/** Forgets the session at once, then revokes its refresh token family on the server (best effort). */
export async function logout(): Promise<void> {
  expectSignOut();
  const refreshToken = session.clear();
  if (!refreshToken) return;
  await api
    .json('/api/v1/auth/logout', { method: 'POST', body: { refreshToken }, anonymous: true })
    .catch(() => {});
}
