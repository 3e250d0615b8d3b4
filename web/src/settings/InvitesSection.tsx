import { useState, type FormEvent } from 'react';
import { api } from '../api/instance.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { CopyButton } from './CopyButton.tsx';
import { formatDateTime } from './dates.ts';
import { fieldError, FormError } from './ErrorNote.tsx';
import { invitableRoles, inviteLink, roleLabels } from './roles.ts';
import { SelectField } from '../ui/Field.tsx';
import { Panel, Section } from './Section.tsx';
import type { CreatedInvite, Role } from './types.ts';

/**
 * Invites: a link to join this workspace with a role, shown once. The API has no list of invites (nor a way to
 * withdraw one), so this page shows the links created while it is open.
 */
export function InvitesSection() {
  const me = useMe();
  const choices = me.data ? invitableRoles(me.data.role) : [];
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<CreatedInvite[]>([]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = email.trim() ? { email: email.trim(), role } : { role };
      const invite = await api.json<CreatedInvite>('/api/v1/invites', { method: 'POST', body });
      setCreated((list) => [invite, ...list]);
      setEmail('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section
      title="Invites"
      description="An invite link lets someone join this workspace with the role you choose: someone new creates an account with it, someone with an account joins by opening it while signed in. It works once and expires after 7 days."
    >
      <Panel title="Invite someone">
        <form
          onSubmit={submit}
          className="grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-start"
          noValidate
        >
          <Field
            label="Email (optional)"
            type="email"
            placeholder="name@example.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fieldError(error, 'body.email')}
            hint="With an email, only that account can use the link."
            data-testid="invite-email"
          />
          <SelectField
            label="Role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            options={choices.map((r) => ({ value: r, label: roleLabels[r] }))}
            data-testid="invite-role"
          />
          <Button type="submit" disabled={busy} className="sm:mt-6" data-testid="invite-create">
            {busy ? 'Creating…' : 'Create invite link'}
          </Button>
        </form>
        <FormError error={error} fields={['body.email']} />
      </Panel>

      {created.map((invite, index) => (
        <InviteLink key={invite.id} invite={invite} latest={index === 0} />
      ))}

      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Fidus does not list the invites sent so far, nor withdraw one: a link is shown only here, when it is
        created. An unused link stops working after 7 days; to take back access given by a used one, remove
        the member.
      </p>
    </Section>
  );
}

function InviteLink({ invite, latest }: { invite: CreatedInvite; latest: boolean }) {
  const link = inviteLink(window.location.origin, invite.inviteToken);
  return (
    <div
      role={latest ? 'status' : undefined}
      data-testid={latest ? 'invite-result' : 'invite-result-earlier'}
      className="flex flex-col gap-2 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <p className="font-medium">
        Invite as {roleLabels[invite.role].toLowerCase()}
        {invite.email ? ` for ${invite.email}` : ' (anyone with the link)'}. Copy the link now: it is not
        shown again.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code
          data-testid={latest ? 'invite-link' : undefined}
          className="min-w-0 flex-1 rounded-md border border-amber-300 bg-white px-3 py-2 font-mono text-sm break-all text-zinc-900 select-all dark:border-amber-800 dark:bg-zinc-950 dark:text-zinc-100"
        >
          {link}
        </code>
        <CopyButton
          text={link}
          label="Copy the invite link"
          testId={latest ? 'invite-copy' : 'invite-copy-earlier'}
        />
      </div>
      <p className="text-sm">Expires {formatDateTime(invite.expiresAt)}.</p>
    </div>
  );
}
