import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useRouter } from '../app/router.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { acceptInvite, logout, previewInvite } from './api.ts';
import { inviteProblem } from './invite.ts';

/**
 * `/invite/<token>` for a signed-in user: join the invite's workspace (and continue in it), or not. Signed out, the
 * app shows the auth screen with the token instead (App.tsx).
 */
export function InviteAccept({ token }: { token: string }) {
  const me = useMe();
  const navigate = useRouter((state) => state.navigate);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const email = me.data?.user.email;
  const preview = useQuery({
    queryKey: ['invite', token],
    queryFn: ({ signal }) => previewInvite(token, signal),
    retry: false,
  });
  const workspace = preview.data?.tenant.name;

  async function accept() {
    setBusy(true);
    setError(undefined);
    try {
      await acceptInvite(token);
      navigate({ name: 'new' }, { replace: true });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  // An invite the server does not know any more is explained at once, before anyone clicks Accept.
  const failure =
    error ?? (preview.error instanceof ApiError && preview.error.status === 404 ? preview.error : undefined);
  const problem = failure === undefined ? undefined : inviteProblem(failure, email);
  return (
    <div className="flex flex-1 items-center justify-center overflow-y-auto bg-zinc-50 p-4 dark:bg-zinc-950">
      <div
        className="w-full max-w-md rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
        data-testid="invite-card"
      >
        <h1 className="text-xl font-semibold text-zinc-900 dark:text-zinc-100" data-testid="invite-title">
          {workspace ? `Join ${workspace}?` : 'Join a workspace?'}
        </h1>
        <p className="mt-2 text-sm text-zinc-700 dark:text-zinc-300">
          You have been invited to{' '}
          {workspace ? <strong className="font-medium">{workspace}</strong> : 'a workspace'}
          {preview.data ? ` as ${preview.data.role}` : ''}.
          {email && (
            <>
              {' '}
              Accepting adds your account, <strong className="font-medium">{email}</strong>, to it and takes
              you there.
            </>
          )}
        </p>
        {me.data && (
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
            Your other workspaces stay yours: switch between them from the account menu.
          </p>
        )}
        {problem && (
          <div
            role="alert"
            className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
            data-testid="invite-error"
          >
            <p className="font-medium">{problem.title}</p>
            <p className="mt-1">{problem.detail}</p>
          </div>
        )}
        <div className="mt-6 flex flex-wrap gap-2">
          <Button onClick={() => void accept()} disabled={busy} data-testid="invite-accept">
            {busy ? 'Joining…' : 'Accept and join'}
          </Button>
          <Button
            variant="secondary"
            onClick={() => navigate({ name: 'new' }, { replace: true })}
            data-testid="invite-decline"
          >
            Not now
          </Button>
        </div>
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">
          Meant for another account?{' '}
          <button
            type="button"
            className="text-teal-700 underline dark:text-teal-400"
            onClick={() => void logout()}
            data-testid="invite-other-account"
          >
            Sign out
          </button>{' '}
          and sign in with it, or create one with this invite.
        </p>
      </div>
    </div>
  );
}
