import { useState, type ReactNode } from 'react';
import { ApiError } from '../api/client.ts';
import { useRouter } from '../app/router.ts';
import { ConfirmDialog } from '../threads/ConfirmDialog.tsx';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { isTenantAdmin, mayEditProject } from './access.ts';
import { ProjectDetails } from './ProjectDetails.tsx';
import { ProjectMembers } from './ProjectMembers.tsx';
import { ProjectThreads } from './ProjectThreads.tsx';
import { deleteProject, useProject } from './queries.ts';

function Section({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="flex flex-col gap-3">
      <h2 id={id} className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
        {title}
      </h2>
      {children}
    </section>
  );
}

/** A project: its name and instructions, its chats, its members; read-only for its readers. */
export function ProjectPage({ projectId, onOpenMenu }: { projectId: string; onOpenMenu(): void }) {
  const project = useProject(projectId);
  const me = useMe();
  const navigate = useRouter((state) => state.navigate);
  const [deleting, setDeleting] = useState(false);

  if (project.isError) {
    const missing = project.error instanceof ApiError && project.error.status === 404;
    return (
      <>
        <PageHeader title="Project" onOpenMenu={onOpenMenu} />
        <div className="flex flex-1 flex-col items-center justify-center gap-3 p-6 text-center" role="alert">
          <p className="text-zinc-700 dark:text-zinc-300">
            {missing
              ? 'This project does not exist, or you may not see it.'
              : `The project could not be loaded: ${project.error.message}`}
          </p>
          {missing ? (
            <button
              type="button"
              className="text-teal-700 underline dark:text-teal-400"
              onClick={() => navigate({ name: 'new' })}
            >
              Start a new chat
            </button>
          ) : (
            <Button variant="secondary" onClick={() => void project.refetch()}>
              Retry
            </Button>
          )}
        </div>
      </>
    );
  }
  if (project.isPending || me.isPending) {
    return (
      <>
        <PageHeader title="…" onOpenMenu={onOpenMenu} />
        <p className="p-6 text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>
      </>
    );
  }

  const role = me.data?.role;
  const canEdit = mayEditProject(role, project.data);
  const admin = isTenantAdmin(role);
  const data = project.data;
  return (
    <>
      <PageHeader title={<span data-testid="project-title">{data.name}</span>} onOpenMenu={onOpenMenu}>
        {canEdit && (
          <Button
            data-testid="project-new-chat"
            onClick={() => navigate({ name: 'new', projectId })}
            className="shrink-0"
          >
            New chat in this project
          </Button>
        )}
      </PageHeader>
      <div className="flex-1 overflow-y-auto">
        <div className="mx-auto flex max-w-3xl flex-col gap-8 p-6">
          {!canEdit && (
            <p
              className="rounded-md bg-zinc-100 p-3 text-sm text-zinc-700 dark:bg-zinc-900 dark:text-zinc-300"
              data-testid="project-read-only"
            >
              You can read this project and its chats but not change them
              {data.role === 'reader' ? ': you are one of its readers.' : '.'}
            </p>
          )}
          <Section title="About" id="project-about">
            <ProjectDetails project={data} canEdit={canEdit} />
          </Section>
          <Section title="Chats" id="project-chats">
            <ProjectThreads projectId={projectId} />
          </Section>
          <Section title="Members" id="project-members-heading">
            <ProjectMembers
              project={data}
              canEdit={canEdit}
              isAdmin={admin}
              userId={me.data?.user.id}
              onLeft={() => navigate({ name: 'new' }, { replace: true })}
            />
          </Section>
          {canEdit && (
            <Section title="Delete this project" id="project-delete-heading">
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                Its chats are kept: each goes back to the person who started it, private again.
              </p>
              <div>
                <Button variant="danger" onClick={() => setDeleting(true)} data-testid="project-delete">
                  Delete project
                </Button>
              </div>
            </Section>
          )}
        </div>
      </div>
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete “${data.name}”?`}
        description="The project, its instructions and its member list are deleted. Its chats stay with their creators."
        confirmLabel="Delete project"
        onConfirm={async () => {
          await deleteProject(projectId);
          navigate({ name: 'new' }, { replace: true });
        }}
      />
    </>
  );
}
