import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { login } from './api.ts';
import { RememberMe } from './RememberMe.tsx';

function messageOf(error: ApiError): string {
  if (error.code === 'invalid_credentials') return 'Wrong email or password.';
  if (error.code === 'rate_limited') {
    return `Too many failed sign-ins. Try again in ${error.retryAfter ?? 60} seconds.`;
  }
  return error.message;
}

export function SignInForm({ onRegister }: { onRegister(): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(email, password, remember);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'internal', String(caught)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-4" aria-labelledby="sign-in-title" noValidate>
      <h1 id="sign-in-title" className="text-xl font-semibold text-zinc-900 dark:text-zinc-100">
        Sign in
      </h1>
      <Field
        label="Email"
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={error?.issue('body.email')}
        required
      />
      <Field
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={error?.issue('body.password')}
        required
      />
      <RememberMe checked={remember} onChange={setRemember} />
      {error && !error.issues.length && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {messageOf(error)}
        </p>
      )}
      <Button type="submit" disabled={busy} data-testid="sign-in-submit">
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
      <button
        type="button"
        className="self-start text-sm text-teal-700 hover:underline dark:text-teal-400"
        onClick={onRegister}
      >
        Create an account
      </button>
    </form>
  );
}
