import { api, queryClient, session } from '../api/instance.ts';
import { sessionKey } from '../api/session.ts';
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

/** `GET /auth/signup`: whether the instance waits for its owner (docs/api.md). */
export interface SignupStatus {
  mode: 'first-user' | 'open' | 'invite';
  needsOwner: boolean;
  open: boolean;
}

export const signupStatus = ({ signal }: { signal: AbortSignal }) =>
  api.json<SignupStatus>('/api/v1/auth/signup', { anonymous: true, signal });

/** `GET /invites/:token`: where an open invite leads (404 when it is unknown, used or expired). */
export interface InvitePreview {
  tenant: { name: string };
  role: 'owner' | 'admin' | 'member' | 'viewer';
  email: string | null;
  expiresAt: string;
}

export const previewInvite = (token: string, signal: AbortSignal) =>
  api.json<InvitePreview>(`/api/v1/invites/${encodeURIComponent(token)}`, { anonymous: true, signal });

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

/**
 * Whether the current session is kept in localStorage ("keep me signed in"): a session that replaces it (another
 * tenant, an accepted invite) is kept the same way.
 */
function keptOnThisDevice(): boolean {
  try {
    return localStorage.getItem(sessionKey) !== null;
  } catch {
    return false;
  }
}

/** Joins the tenant of an invite (`POST /invites/:token/accept`) and continues in it; answers its name. */
export async function acceptInvite(token: string): Promise<string> {
  const answer = await api.json<SessionAnswer & { tenant: { id: string; name: string } }>(
    `/api/v1/invites/${encodeURIComponent(token)}/accept`,
    { method: 'POST' },
  );
  session.start(answer, keptOnThisDevice());
  return answer.tenant.name;
}

/** Continues in another tenant of the user (`POST /auth/switch`): a new session, nothing of the old one cached. */
export async function switchTenant(tenantId: string): Promise<void> {
  const pair = await api.json<SessionAnswer>('/api/v1/auth/switch', { method: 'POST', body: { tenantId } });
  session.start(pair, keptOnThisDevice());
  // session.start clears the cache already (api/instance.ts); this says so where the switch happens.
  queryClient.clear();
}
