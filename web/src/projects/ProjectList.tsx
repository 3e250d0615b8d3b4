import { useState } from 'react';
import { useRouter } from '../app/router.ts';
import { NameDialog } from '../threads/NameDialog.tsx';
import { createProject, useProjects } from './queries.ts';

/** The sidebar's projects, and "New project". */
export function ProjectList({ onOpen }: { onOpen(): void }) {
  const projects = useProjects();
  const route = useRouter((state) => state.route);
  const navigate = useRouter((state) => state.navigate);
  const [creating, setCreating] = useState(false);
  const currentId = route.name === 'project' ? route.projectId : undefined;

  return (
    <section aria-labelledby="projects-heading" className="px-2">
      <div className="flex items-center justify-between px-2 pt-3 pb-1">
        <h2 id="projects-heading" className="text-xs font-medium text-zinc-600 dark:text-zinc-400">
          Projects
        </h2>
        <button
          type="button"
          className="rounded px-1.5 text-sm text-zinc-600 hover:bg-zinc-200 hover:text-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
          aria-label="New project"
          title="New project"
          data-testid="new-project"
          onClick={() => setCreating(true)}
        >
          +
        </button>
      </div>
      {projects.isPending && <p className="px-2 py-1 text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>}
      {projects.isError && (
        <p className="px-2 py-1 text-sm text-red-700 dark:text-red-400" role="alert">
          Projects could not be loaded.{' '}
          <button type="button" className="underline" onClick={() => void projects.refetch()}>
            Retry
          </button>
        </p>
      )}
      {projects.data?.length === 0 && (
        <p className="px-2 py-1 text-sm text-zinc-600 dark:text-zinc-400">No projects yet.</p>
      )}
      {projects.data && projects.data.length > 0 && (
        <ul data-testid="project-list">
          {projects.data.map((project) => (
            <li key={project.id}>
              <a
                href={`/p/${project.id}`}
                aria-current={project.id === currentId ? 'page' : undefined}
                data-testid="project-link"
                data-project-id={project.id}
                onClick={(event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                  event.preventDefault();
                  navigate({ name: 'project', projectId: project.id });
                  onOpen();
                }}
                className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm text-zinc-800 hover:bg-zinc-200 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium dark:text-zinc-200 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800"
              >
                <span aria-hidden="true" className="text-zinc-500 dark:text-zinc-400">
                  ▸
                </span>
                <span className="truncate">{project.name}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      <NameDialog
        open={creating}
        onOpenChange={setCreating}
        title="New project"
        label="Name"
        submitLabel="Create project"
        field="body.name"
        onSubmit={async (name) => {
          const project = await createProject(name);
          setCreating(false);
          navigate({ name: 'project', projectId: project.id });
          onOpen();
        }}
        testIds={{ input: 'new-project-name', submit: 'new-project-create' }}
      />
    </section>
  );
}
