import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { knownInstance, signupStatus, type SignupStatus } from './api.ts';
import { SetupForm } from './SetupForm.tsx';
import { SignInForm } from './SignInForm.tsx';

/**
 * Owner set-up while the instance has no account (`GET /auth/signup`), else sign-in. Should that answer not come,
 * a browser that never signed in here starts on set-up, which turns into sign-in when registration answers
 * `signup_closed`. With an invite link (`inviteToken`), registration has the token filled in, and signing in
 * leads on to accepting it.
 */
export function AuthScreen({ expired, inviteToken }: { expired: boolean; inviteToken?: string | undefined }) {
  const status = useQuery({ queryKey: ['signup-status'], queryFn: signupStatus, retry: 1, staleTime: 0 });
  // What the person chose (a link between the forms, or a closed registration) wins over the first guess.
  const [chosen, setChosen] = useState<'setup' | 'sign-in' | undefined>();
  const firstMode = firstModeOf({ expired, inviteToken, pending: status.isPending, status: status.data });
  const mode = chosen ?? firstMode;
  const [notice, setNotice] = useState<string | undefined>(
    expired
      ? 'Your session has ended: sign in again.'
      : inviteToken
        ? 'You have an invite: create your account with it, or sign in to accept it with the account you have.'
        : undefined,
  );
  return (
    <main className="flex min-h-full items-center justify-center bg-zinc-50 p-4 dark:bg-zinc-950">
      <div className="w-full max-w-sm rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mb-6 flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-8 w-8" />
          <span className="text-lg font-semibold text-zinc-900 dark:text-zinc-100">Fidus</span>
        </div>
        {notice && (
          <p
            role="status"
            className="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200"
          >
            {notice}
          </p>
        )}
        {mode === undefined ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400" role="status">
            Loading…
          </p>
        ) : mode === 'setup' ? (
          <SetupForm
            inviteToken={inviteToken}
            bootstrapInvite={status.data?.needsOwner === true && status.data.mode === 'invite'}
            onClosed={(message) => {
              setNotice(message);
              setChosen('sign-in');
            }}
            onSignIn={() => {
              setNotice(undefined);
              setChosen('sign-in');
            }}
          />
        ) : (
          <SignInForm
            onRegister={() => {
              setNotice(undefined);
              setChosen('setup');
            }}
          />
        )}
      </div>
    </main>
  );
}

function firstModeOf(input: {
  expired: boolean;
  inviteToken: string | undefined;
  pending: boolean;
  status: SignupStatus | undefined;
}): 'setup' | 'sign-in' | undefined {
  if (input.expired) return 'sign-in';
  if (input.inviteToken) return 'setup';
  if (input.pending) return undefined;
  if (input.status) return input.status.needsOwner ? 'setup' : 'sign-in';
  return knownInstance() ? 'sign-in' : 'setup';
}
