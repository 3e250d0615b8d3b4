import { useMcpServers } from '../mcp/queries.ts';
import { localToolName } from '../mcp/types.ts';
import { SelectField, TextAreaField } from '../ui/Field.tsx';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { defaultApproval, emptyTool, type ToolDraft } from './draft.ts';
import { approvalLabels, kindLabels } from './labels.ts';
import { AppLink, muted } from './parts.tsx';
import {
  approvalPolicies,
  httpMethods,
  type ApprovalPolicy,
  type HttpMethod,
  type ToolKind,
} from './types.ts';

/** The message for a field (`body.tools.0.url`), local or from the API. */
export type ErrorOf = (field: string) => string | undefined;

/** The fields a tool row shows errors for: the form lists any other issue about the tool at its end. */
export const toolFields = (index: number): string[] =>
  [
    'kind',
    'approval',
    'name',
    'server',
    'tool',
    'description',
    'url',
    'method',
    'inputSchema',
    'headers',
  ].map((field) => `body.tools.${index}.${field}`);

/** The agent's tools: each row its kind, its kind's fields and its approval policy. */
export function ToolsEditor({
  tools,
  onChange,
  errorOf,
}: {
  tools: ToolDraft[];
  onChange(tools: ToolDraft[]): void;
  errorOf: ErrorOf;
}) {
  const update = (index: number, change: Partial<ToolDraft>) =>
    onChange(tools.map((tool, i) => (i === index ? { ...tool, ...change } : tool)));
  return (
    <fieldset className="flex flex-col gap-3" data-testid="tools-editor">
      <legend className="mb-2 font-medium">Tools</legend>
      {tools.length === 0 && <p className={`text-sm ${muted}`}>No tools: the model only answers in text.</p>}
      {tools.map((tool, index) => (
        <ToolRow
          key={tool.key}
          index={index}
          tool={tool}
          onChange={(change) => update(index, change)}
          onRemove={() => onChange(tools.filter((_, i) => i !== index))}
          errorOf={errorOf}
        />
      ))}
      <div>
        <Button variant="secondary" onClick={() => onChange([...tools, emptyTool()])} data-testid="tool-add">
          Add tool
        </Button>
      </div>
    </fieldset>
  );
}

function ToolRow({
  index,
  tool,
  onChange,
  onRemove,
  errorOf,
}: {
  index: number;
  tool: ToolDraft;
  onChange(change: Partial<ToolDraft>): void;
  onRemove(): void;
  errorOf: ErrorOf;
}) {
  const field = (name: string) => `body.tools.${index}.${name}`;
  const title = tool.kind === 'mcp' ? [tool.server, tool.tool].filter(Boolean).join('.') : tool.name;
  return (
    <fieldset
      className="flex flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
      data-testid="tool-row"
    >
      <legend className="px-1 text-sm font-medium">
        Tool {index + 1}
        {title && `: ${title}`}
      </legend>
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label="Kind"
          value={tool.kind}
          onChange={(e) => {
            const kind = e.target.value as ToolKind;
            // The approval follows the kind's default unless it was chosen by hand.
            const approval =
              tool.approval === defaultApproval[tool.kind] ? defaultApproval[kind] : tool.approval;
            onChange({ kind, approval });
          }}
          options={(['http', 'mcp', 'builtin'] as const).map((kind) => ({
            value: kind,
            label: kindLabels[kind],
          }))}
          error={errorOf(field('kind'))}
          data-testid="tool-kind"
        />
        <SelectField
          label="Approval"
          value={tool.approval}
          onChange={(e) => onChange({ approval: e.target.value as ApprovalPolicy })}
          options={approvalPolicies.map((policy) => ({ value: policy, label: approvalLabels[policy] }))}
          error={errorOf(field('approval'))}
          data-testid="tool-approval"
        />
        {tool.kind === 'builtin' && (
          <Field
            label="Name"
            value={tool.name}
            onChange={(e) => onChange({ name: e.target.value })}
            hint="A tool a Fidus domain registers."
            error={errorOf(field('name'))}
            autoComplete="off"
            data-testid="tool-name"
          />
        )}
        {tool.kind === 'mcp' && (
          <McpToolPicker tool={tool} onChange={onChange} errorOf={errorOf} field={field} />
        )}
        {tool.kind === 'http' && (
          <>
            <Field
              label="Name"
              value={tool.name}
              onChange={(e) => onChange({ name: e.target.value })}
              hint="What the model calls it: letters, digits, “_” or “-”."
              error={errorOf(field('name'))}
              autoComplete="off"
              data-testid="tool-name"
            />
            <SelectField
              label="Method"
              value={tool.method}
              onChange={(e) => onChange({ method: e.target.value as HttpMethod })}
              options={httpMethods.map((method) => ({ value: method, label: method }))}
              error={errorOf(field('method'))}
              data-testid="tool-method"
            />
            <div className="sm:col-span-2">
              <Field
                label="URL"
                type="url"
                placeholder="https://api.example.com/lookup"
                value={tool.url}
                onChange={(e) => onChange({ url: e.target.value })}
                error={errorOf(field('url'))}
                autoComplete="off"
                data-testid="tool-url"
              />
            </div>
            <div className="sm:col-span-2">
              <TextAreaField
                label="Description"
                value={tool.description}
                onChange={(e) => onChange({ description: e.target.value })}
                hint="What the model reads to decide when to call it."
                error={errorOf(field('description'))}
                rows={2}
                data-testid="tool-description"
              />
            </div>
            <div className="sm:col-span-2">
              <TextAreaField
                label="Input schema (JSON)"
                value={tool.inputSchema}
                onChange={(e) => onChange({ inputSchema: e.target.value })}
                hint="A JSON Schema of the arguments, with “type”: “object”."
                error={errorOf(field('inputSchema'))}
                rows={6}
                spellCheck={false}
                data-testid="tool-schema"
              />
            </div>
            <div className="sm:col-span-2">
              <TextAreaField
                label="Headers (optional)"
                value={tool.headers}
                onChange={(e) => onChange({ headers: e.target.value })}
                hint="One “Name: value” a line. Values are stored sealed and shown as ********: leave ******** to keep a stored value."
                error={errorOf(field('headers'))}
                rows={2}
                spellCheck={false}
                data-testid="tool-headers"
              />
            </div>
          </>
        )}
      </div>
      <div>
        <Button variant="ghost" onClick={onRemove} data-testid="tool-remove">
          Remove tool {index + 1}
        </Button>
      </div>
    </fieldset>
  );
}

/** Server and tool from the attached MCP servers; typed by hand when the list cannot be read. */
function McpToolPicker({
  tool,
  onChange,
  errorOf,
  field,
}: {
  tool: ToolDraft;
  onChange(change: Partial<ToolDraft>): void;
  errorOf: ErrorOf;
  field(name: string): string;
}) {
  const servers = useMcpServers();
  if (!servers.data?.length) {
    return (
      <>
        <Field
          label="Server"
          value={tool.server}
          onChange={(e) => onChange({ server: e.target.value })}
          error={errorOf(field('server'))}
          autoComplete="off"
          data-testid="tool-server"
        />
        <Field
          label="Tool"
          value={tool.tool}
          onChange={(e) => onChange({ tool: e.target.value })}
          error={errorOf(field('tool'))}
          autoComplete="off"
          data-testid="tool-tool"
        />
        <p className={`text-sm sm:col-span-2 ${muted}`}>
          {servers.isPending ? 'Loading the MCP servers…' : 'No MCP server to choose from: '}
          {!servers.isPending && <AppLink to={{ name: 'mcp-servers' }}>attach one</AppLink>}
        </p>
      </>
    );
  }
  const server = servers.data.find((s) => s.name === tool.server);
  const serverOptions = servers.data.map((s) => ({ value: s.name, label: s.name }));
  if (tool.server && !server)
    serverOptions.unshift({ value: tool.server, label: `${tool.server} (not attached)` });
  const tools = server?.tools ?? [];
  const toolOptions = tools.map((t) => {
    const name = localToolName(server!.name, t.name);
    return { value: name, label: t.title ? `${name} — ${t.title}` : name };
  });
  if (tool.tool && !toolOptions.some((o) => o.value === tool.tool)) {
    toolOptions.unshift({ value: tool.tool, label: `${tool.tool} (not offered now)` });
  }
  const chosen = tools.find((t) => localToolName(server?.name ?? '', t.name) === tool.tool);
  return (
    <>
      <SelectField
        label="Server"
        value={tool.server}
        onChange={(e) => onChange({ server: e.target.value, tool: '' })}
        options={[{ value: '', label: 'Choose a server' }, ...serverOptions]}
        error={errorOf(field('server'))}
        data-testid="tool-server"
      />
      <SelectField
        label="Tool"
        value={tool.tool}
        onChange={(e) => onChange({ tool: e.target.value })}
        options={[
          { value: '', label: tool.server ? 'Choose a tool' : 'Choose a server first' },
          ...toolOptions,
        ]}
        error={errorOf(field('tool'))}
        hint={chosen?.description}
        disabled={!tool.server}
        data-testid="tool-tool"
      />
    </>
  );
}
