import { useState } from 'react';
import { ApiError } from '../api/client.ts';
import { api } from '../api/instance.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { renderValues, templateDefaults, type PromptTemplate, type RenderedTemplate } from './templates.ts';

/** The template's text with `variables` filled in by the server (its defaults for those left out). */
export const renderTemplate = (id: string, variables: Record<string, string>) =>
  api.json<RenderedTemplate>(`/api/v1/templates/${id}/render`, { method: 'POST', body: { variables } });

const asApiError = (error: unknown) =>
  error instanceof ApiError ? error : new ApiError(0, 'internal', String(error));

/** Fills in the variables of a chosen template; the rendered text goes to the composer. */
export function TemplateForm({
  template,
  onRendered,
  onCancel,
}: {
  template: PromptTemplate;
  onRendered(content: string): void;
  onCancel(): void;
}) {
  const [defaults] = useState(() => templateDefaults(template.content));
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit() {
    setBusy(true);
    setError(undefined);
    try {
      const rendered = await renderTemplate(template.id, renderValues(values));
      onRendered(rendered.content);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  // Issues about a variable show under its field; anything else above the buttons.
  const fieldError = (name: string) => error?.issue(`body.variables.${name}`);
  const otherError = error && !template.variables.some((name) => fieldError(name)) ? error : undefined;
  return (
    <form
      className="absolute right-0 bottom-full left-0 mb-2 flex max-h-[60vh] flex-col gap-3 overflow-y-auto rounded-xl border border-zinc-200 bg-white p-3 shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
      aria-label={`Fill in ${template.name}`}
      data-testid="template-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault(); // not the Stop of a streaming answer
          onCancel();
        }
      }}
    >
      <h2 className="text-sm font-medium text-zinc-900 dark:text-zinc-100">{template.name}</h2>
      {template.variables.map((name, index) => {
        const fallback = defaults.get(name);
        return (
          <Field
            key={name}
            label={name}
            value={values[name] ?? ''}
            onChange={(event) => setValues((current) => ({ ...current, [name]: event.target.value }))}
            placeholder={fallback ? fallback : undefined}
            hint={fallback === undefined ? 'Required' : fallback === '' ? 'Optional' : `Default: ${fallback}`}
            error={fieldError(name)}
            autoFocus={index === 0}
            data-testid={`template-variable-${name}`}
          />
        );
      })}
      {otherError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {otherError.message}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={busy} data-testid="template-insert">
          Insert
        </Button>
      </div>
    </form>
  );
}
