import { useState } from 'react';
import { api, queryClient } from '../api/instance.ts';
import { meKey } from '../chat/keys.ts';
import { useMe } from '../threads/queries.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { formatDate } from './dates.ts';
import { ErrorNote } from './ErrorNote.tsx';
import { membersKey, useMembers } from './queries.ts';
import { assignableRoles, mayRemove, roleLabels } from './roles.ts';
import { Section, table } from './Section.tsx';
import type { Member, Role } from './types.ts';

/** Members and their roles (admins; only owners grant `owner` or touch an owner — docs/api.md#roles). */
export function MembersSection() {
  const me = useMe();
  const members = useMembers();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState('');
  const myRole = me.data?.role;
  const myId = me.data?.user.id;

  async function changeRole(member: Member, role: Role) {
    setError(undefined);
    setNotice('');
    try {
      const updated = await api.json<Member>(`/api/v1/members/${member.userId}`, {
        method: 'PATCH',
        body: { role },
      });
      queryClient.setQueryData<Member[]>(membersKey, (list) =>
        list?.map((m) => (m.userId === updated.userId ? updated : m)),
      );
      setNotice(`${updated.name} is now ${roleLabels[updated.role].toLowerCase()}.`);
      // My own role changed: what this page may show changes with it.
      if (member.userId === myId) void queryClient.invalidateQueries({ queryKey: meKey });
    } catch (caught) {
      setError(caught);
    }
  }

  async function remove(member: Member) {
    setError(undefined);
    setNotice('');
    try {
      await api.json(`/api/v1/members/${member.userId}`, { method: 'DELETE' });
      queryClient.setQueryData<Member[]>(membersKey, (list) =>
        list?.filter((m) => m.userId !== member.userId),
      );
      setNotice(`${member.name} was removed; their API keys and sessions in this workspace were revoked.`);
    } catch (caught) {
      setError(caught);
      throw caught;
    }
  }

  return (
    <Section
      title="Members"
      description="Everyone in this workspace and their role. Owners and admins manage the workspace; members and viewers use it. Only an owner can make someone owner or change an owner; a workspace always keeps one owner."
    >
      <ErrorNote error={error} testId="member-error" />
      <p role="status" className="text-sm text-teal-800 empty:hidden dark:text-teal-300">
        {notice}
      </p>
      {members.isPending ? (
        <p className={table.muted}>Loading members…</p>
      ) : members.isError ? (
        <ErrorNote error={members.error} />
      ) : (
        <div className={table.wrap}>
          <table className={table.table} data-testid="member-list">
            <caption className="sr-only">Members of the workspace</caption>
            <thead className={table.head}>
              <tr>
                <th scope="col" className={table.th}>
                  Name
                </th>
                <th scope="col" className={table.th}>
                  Email
                </th>
                <th scope="col" className={table.th}>
                  Role
                </th>
                <th scope="col" className={`${table.th} hidden sm:table-cell`}>
                  Joined
                </th>
                <th scope="col" className={table.th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((member) => {
                const choices = myRole ? assignableRoles(myRole, member.role) : [];
                const self = member.userId === myId;
                return (
                  <tr
                    key={member.userId}
                    className={table.row}
                    data-testid="member-row"
                    data-email={member.email}
                  >
                    <td className={`${table.td} font-medium`}>
                      {member.name}
                      {self && <span className={`ml-1 font-normal ${table.muted}`}>(you)</span>}
                    </td>
                    <td className={`${table.td} ${table.muted}`}>{member.email}</td>
                    <td className={table.td}>
                      {choices.length ? (
                        <select
                          aria-label={`Role of ${member.name}`}
                          data-testid="member-role"
                          value={member.role}
                          onChange={(e) => void changeRole(member, e.target.value as Role)}
                          className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm text-zinc-900 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-100"
                        >
                          {choices.map((role) => (
                            <option key={role} value={role}>
                              {roleLabels[role]}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <span data-testid="member-role-fixed">{roleLabels[member.role]}</span>
                      )}
                    </td>
                    <td className={`${table.td} hidden whitespace-nowrap sm:table-cell`}>
                      {formatDate(member.joinedAt)}
                    </td>
                    <td className={`${table.td} text-right`}>
                      {myRole && mayRemove(myRole, member.role) && !self && (
                        <ConfirmButton
                          label="Remove"
                          ariaLabel={`Remove ${member.name}`}
                          question={`Remove ${member.name}?`}
                          confirmLabel="Remove"
                          onConfirm={() => remove(member)}
                          testId="member-remove"
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
