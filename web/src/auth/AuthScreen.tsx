import { useState } from 'react';
import { knownInstance } from './api.ts';
import { SetupForm } from './SetupForm.tsx';
import { SignInForm } from './SignInForm.tsx';

/**
 * Owner set-up on a browser that never signed in here, else sign-in. The API cannot tell whether an account
 * exists without trying: registration answers `signup_closed` when it is not open, and the form then turns into
 * sign-in.
 */
export function AuthScreen({ expired }: { expired: boolean }) {
  const [mode, setMode] = useState<'setup' | 'sign-in'>(knownInstance() || expired ? 'sign-in' : 'setup');
  const [notice, setNotice] = useState<string | undefined>(
    expired ? 'Your session has ended: sign in again.' : undefined,
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
        {mode === 'setup' ? (
          <SetupForm
            onClosed={(message) => {
              setNotice(message);
              setMode('sign-in');
            }}
            onSignIn={() => {
              setNotice(undefined);
              setMode('sign-in');
            }}
          />
        ) : (
          <SignInForm
            onRegister={() => {
              setNotice(undefined);
              setMode('setup');
            }}
          />
        )}
      </div>
    </main>
  );
}
