import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/client';
import type { ToolResult } from '../tools.ts';

/** One content block as the model reads it: text as it is, anything else as a short note of what it was. */
function describe(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type}: ${block.mimeType}]`;
    case 'resource_link':
      return `[resource: ${block.uri}]`;
    case 'resource':
      return 'text' in block.resource
        ? block.resource.text
        : `[resource: ${block.resource.uri}${block.resource.mimeType ? `, ${block.resource.mimeType}` : ''}]`;
    default:
      return `[${(block as { type: string }).type}]`;
  }
}

/**
 * An MCP tool result as a run's tool result: the structured content when the server gives one (it is the
 * machine-readable form), otherwise the text blocks joined. `isError` is the tool's own failure, which the model
 * reads like any other result.
 */
export function toToolResult(result: CallToolResult): ToolResult {
  const output =
    result.structuredContent !== undefined && result.structuredContent !== null
      ? result.structuredContent
      : (result.content ?? []).map(describe).join('\n');
  return result.isError ? { output, isError: true } : { output };
}
