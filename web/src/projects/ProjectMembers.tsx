import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { Button } from '../ui/Button.tsx';
import { candidates } from './access.ts';
import { putProjectMember, removeProjectMember, useProjectMembers, useTenantMembers } from './queries.ts';
import type { Project, ProjectRole } from './types.ts';

export const selectClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm text-zinc-900 outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 disabled:opacity-50 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-100';

const roleNames: Record<ProjectRole, string> = { editor: 'Editor', reader: 'Reader' };

function RoleOptions() {
  return (
    <>
      <option value="editor">{roleNames.editor}</option>
      <option value="reader">{roleNames.reader}</option>
    </>
  );
}

/**
 * Who is in the project, with their role (editors change the project and write in its chats, readers read). Editors
 * and admins change roles and remove; admins add people, picked from the tenant's members, which only they may list.
 */
export function ProjectMembers({
  project,
  canEdit,
  isAdmin,
  userId,
  onLeft,
}: {
  project: Project;
  canEdit: boolean;
  isAdmin: boolean;
  /** The signed-in user. */
  userId: string | undefined;
  /** The user removed themself and can no longer see the project. */
  onLeft(): void;
}) {
  const members = useProjectMembers(project.id);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();

  async function run(userIdOfRow: string, task: () => Promise<void>) {
    setBusy(userIdOfRow);
    setError(undefined);
    try {
      await task();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(undefined);
    }
  }

  if (members.isPending) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading members…</p>;
  if (members.isError) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        The members could not be loaded: {members.error.message}{' '}
        <button type="button" className="underline" onClick={() => void members.refetch()}>
          Retry
        </button>
      </p>
    );
  }

  return (
    <div className="flex flex-col gap-4">
      {members.data.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Nobody is a member of this project.</p>
      ) : (
        <ul
          className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800"
          data-testid="project-members"
        >
          {members.data.map((member) => (
            <li
              key={member.userId}
              className="flex flex-wrap items-center gap-3 px-3 py-2"
              data-testid="project-member"
              data-user-id={member.userId}
            >
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium">
                  {member.name}
                  {member.userId === userId && (
                    <span className="font-normal text-zinc-600 dark:text-zinc-400"> (you)</span>
                  )}
                </p>
                <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">{member.email}</p>
              </div>
              {canEdit ? (
                <>
                  <select
                    className={selectClass}
                    value={member.role}
                    aria-label={`Role of ${member.name}`}
                    disabled={busy === member.userId}
                    data-testid="project-member-role"
                    onChange={(e) =>
                      void run(member.userId, () =>
                        putProjectMember(project.id, member.userId, e.target.value as ProjectRole),
                      )
                    }
                  >
                    <RoleOptions />
                  </select>
                  <Button
                    variant="ghost"
                    className="px-2 py-1"
                    aria-label={`Remove ${member.name}`}
                    disabled={busy === member.userId}
                    data-testid="project-member-remove"
                    onClick={() =>
                      void run(member.userId, async () => {
                        await removeProjectMember(project.id, member.userId);
                        if (member.userId === userId && !isAdmin) onLeft();
                      })
                    }
                  >
                    Remove
                  </Button>
                </>
              ) : (
                <span className="text-sm text-zinc-700 dark:text-zinc-300">{roleNames[member.role]}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {canEdit && isAdmin && <AddMember project={project} members={members.data.map((m) => m.userId)} />}
      {canEdit && !isAdmin && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="project-members-admin-note">
          Only the workspace’s admins can see all its members, so adding people to a project is theirs to do:
          ask an admin. You can change the roles of the members above or remove them.
        </p>
      )}
    </div>
  );
}

function AddMember({ project, members }: { project: Project; members: string[] }) {
  const tenant = useTenantMembers(true);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<ProjectRole>('editor');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const personId = useId();
  const roleId = useId();

  if (tenant.isPending) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading people…</p>;
  if (tenant.isError) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        The workspace’s members could not be loaded: {tenant.error.message}
      </p>
    );
  }
  const options = candidates(tenant.data, members);
  if (options.length === 0) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Everyone in the workspace is a member of this project.
      </p>
    );
  }
  const chosen = options.some((o) => o.userId === userId) ? userId : '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!chosen) {
      setError('Choose a person to add.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await putProjectMember(project.id, chosen, role);
      setUserId('');
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-3" noValidate>
      <div className="flex min-w-48 flex-1 flex-col gap-1">
        <label htmlFor={personId} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Add a person
        </label>
        <select
          id={personId}
          className={selectClass}
          value={chosen}
          onChange={(e) => setUserId(e.target.value)}
          data-testid="project-member-add-user"
        >
          <option value="">Choose a member of the workspace…</option>
          {options.map((person) => (
            <option key={person.userId} value={person.userId}>
              {person.name} ({person.email})
            </option>
          ))}
        </select>
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor={roleId} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          As
        </label>
        <select
          id={roleId}
          className={selectClass}
          value={role}
          onChange={(e) => setRole(e.target.value as ProjectRole)}
          data-testid="project-member-add-role"
        >
          <RoleOptions />
        </select>
      </div>
      <Button type="submit" disabled={busy} data-testid="project-member-add">
        Add
      </Button>
      {error && (
        <p role="alert" className="w-full text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}
