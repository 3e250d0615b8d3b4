import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { useRouter } from '../app/router.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { register } from './api.ts';
import { RememberMe } from './RememberMe.tsx';

/** Creates the owner account (or, with an invite token, joins a workspace). */
export function SetupForm({
  inviteToken: givenToken,
  bootstrapInvite = false,
  onClosed,
  onSignIn,
}: {
  /** From an invite link: filled in. */
  inviteToken?: string | undefined;
  /** `FIDUS_SIGNUP=invite` and no account yet: the owner registers with the invite `fidus serve` printed. */
  bootstrapInvite?: boolean;
  onClosed(message: string): void;
  onSignIn(): void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [inviteToken, setInviteToken] = useState(givenToken ?? '');
  const [withInvite, setWithInvite] = useState(givenToken !== undefined || bootstrapInvite);
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await register(
        { name, email, password, inviteToken: withInvite ? inviteToken.trim() : undefined },
        remember,
      );
      // Registering used the invite up: the invite link has nothing left to do.
      if (useRouter.getState().route.name === 'invite')
        useRouter.getState().navigate({ name: 'new' }, { replace: true });
    } catch (caught) {
      const failure = caught instanceof ApiError ? caught : new ApiError(0, 'internal', String(caught));
      if (failure.code === 'signup_closed') {
        onClosed(
          'This Fidus has its owner already (or takes invites only): sign in, or register with an invite token.',
        );
        return;
      }
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const conflict =
    error?.code === 'conflict' ? 'This email has an account already: sign in instead.' : undefined;
  const general = error && !error.issues.length && !conflict ? error.message : undefined;
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" aria-labelledby="setup-title" noValidate>
      <div>
        <h1 id="setup-title" className="text-xl font-semibold text-zinc-900 dark:text-zinc-100">
          {withInvite ? 'Join with an invite' : 'Set up Fidus'}
        </h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          {withInvite
            ? 'Create your account with the invite token you were given.'
            : 'Create the owner account of this Fidus.'}
        </p>
      </div>
      <Field
        label="Name"
        autoComplete="name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={error?.issue('body.name')}
        required
      />
      <Field
        label="Email"
        type="email"
        autoComplete="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={error?.issue('body.email') ?? conflict}
        required
      />
      <Field
        label="Password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={error?.issue('body.password')}
        hint="At least 10 characters."
        required
      />
      {withInvite && (
        <Field
          label="Invite token"
          value={inviteToken}
          onChange={(e) => setInviteToken(e.target.value)}
          error={error?.issue('body.inviteToken')}
          placeholder="fidi_…"
          required
          data-testid="setup-invite-token"
        />
      )}
      <RememberMe checked={remember} onChange={setRemember} />
      {general && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {general}
        </p>
      )}
      <Button type="submit" disabled={busy} data-testid="setup-submit">
        {busy ? 'Creating…' : 'Create account'}
      </Button>
      <div className="flex justify-between text-sm">
        <button type="button" className="text-teal-700 hover:underline dark:text-teal-400" onClick={onSignIn}>
          Sign in instead
        </button>
        <button
          type="button"
          className="text-teal-700 hover:underline dark:text-teal-400"
          onClick={() => setWithInvite(!withInvite)}
        >
          {withInvite ? 'No invite' : 'I have an invite'}
        </button>
      </div>
    </form>
  );
}
