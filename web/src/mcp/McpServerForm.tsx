import { useState, type FormEvent } from 'react';
import { parseHeaders } from '../agents/draft.ts';
import { issueFor } from '../agents/issues.ts';
import { FormIssues } from '../agents/parts.tsx';
import { TextAreaField } from '../ui/Field.tsx';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { attachServer, updateServer, type McpServerInput } from './queries.ts';
import type { McpServer } from './types.ts';

const fields = ['body.name', 'body.url', 'body.headers', 'body.enabled'];

/**
 * Attaches a server over Streamable HTTP, or changes one (`current`) (admins). Header values go to the vault and
 * are never shown again: when changing, empty headers keep the stored ones.
 */
export function McpServerForm({ current, onDone }: { current?: McpServer; onDone(): void }) {
  const [name, setName] = useState(current?.name ?? '');
  const [url, setUrl] = useState(current?.url ?? '');
  const [headers, setHeaders] = useState('');
  const [removeHeaders, setRemoveHeaders] = useState(false);
  const [enabled, setEnabled] = useState(current?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [headersError, setHeadersError] = useState<string>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseHeaders(headers);
    setHeadersError(typeof parsed === 'string' ? parsed : undefined);
    setError(undefined);
    if (typeof parsed === 'string') return;
    setBusy(true);
    try {
      if (current) {
        // Only what changed: headers replace the stored ones when typed, `{}` removes them.
        const patch: Partial<McpServerInput> = {};
        if (name.trim() !== current.name) patch.name = name.trim();
        if (url.trim() !== current.url) patch.url = url.trim();
        if (Object.keys(parsed).length) patch.headers = parsed;
        else if (removeHeaders) patch.headers = {};
        if (enabled !== current.enabled) patch.enabled = enabled;
        if (Object.keys(patch).length) await updateServer(current.id, patch);
      } else {
        await attachServer({
          name: name.trim(),
          url: url.trim(),
          ...(Object.keys(parsed).length ? { headers: parsed } : {}),
          enabled,
        });
      }
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      onSubmit={submit}
      className="flex flex-col gap-3"
      data-testid={current ? 'mcp-edit-form' : 'mcp-attach-form'}
      noValidate
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          hint="Its tools are called name.tool: letters, digits, “_” or “-”."
          error={issueFor(error, 'body.name')}
          autoComplete="off"
          required
          data-testid="mcp-name"
        />
        <Field
          label="URL"
          type="url"
          placeholder="https://mcp.example.com/mcp"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          hint="The server’s Streamable HTTP endpoint."
          error={issueFor(error, 'body.url')}
          autoComplete="off"
          required
          data-testid="mcp-url"
        />
      </div>
      <TextAreaField
        label={current ? 'Replace the headers (optional)' : 'Headers (optional)'}
        placeholder="Authorization: Bearer …"
        value={headers}
        onChange={(e) => setHeaders(e.target.value)}
        hint={
          current?.headerNames.length
            ? `Stored: ${current.headerNames.join(', ')}. One “Name: value” a line; leave empty to keep them.`
            : 'One “Name: value” a line, sent with every request. Stored encrypted; only the names are shown again.'
        }
        disabled={removeHeaders}
        error={headersError ?? issueFor(error, 'body.headers')}
        spellCheck={false}
        data-testid="mcp-headers"
      />
      {current && current.headerNames.length > 0 && (
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={removeHeaders}
            onChange={(e) => {
              setRemoveHeaders(e.target.checked);
              setHeaders('');
            }}
            data-testid="mcp-remove-headers"
          />
          Remove the stored headers
        </label>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
          data-testid="mcp-enabled"
        />
        Enabled: connect now and offer its tools to agents
      </label>
      <FormIssues error={error} fields={fields} />
      <div className="flex gap-2">
        <Button type="submit" disabled={busy} data-testid="mcp-attach-submit">
          {busy ? 'Saving…' : current ? 'Save changes' : 'Attach server'}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
