// Anthropic Messages request → OpenAI chat completions request, which the router sends to any target (OpenAI-wire
// upstreams as it is, Anthropic upstreams through the adapter).
//
// - `system` (and, in newer clients, `system` turns) become system messages, first or in place.
// - A user turn's `tool_result` blocks become `tool` messages, in order, right after the assistant's tool calls as
//   OpenAI requires; the turn's other blocks follow as a user message. Images inside a tool result cannot live in
//   a `tool` message (text only on OpenAI's wire): they follow in that user message, labelled with the call's id.
// - `is_error` results are prefixed "Error: " (OpenAI has no flag for it, and the model should still know).
// - An assistant turn's `tool_use` blocks become `tool_calls`; thinking blocks of earlier turns are dropped.
import { FidusError } from '../../core/index.ts';
import type { ChatCompletionRequest } from '../schemas.ts';
import type {
  AnthropicMessageParam,
  ContentBlock,
  ImageBlock,
  MessagesRequest,
  TextBlock,
} from './schema.ts';

type TextPart = { type: 'text'; text: string };
type ImagePart = { type: 'image_url'; image_url: { url: string } };
type UserPart = TextPart | ImagePart;
type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

export type OpenAiMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | UserPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

const misplaced = (where: string, what: string, role: string) =>
  new FidusError('validation_failed', `${where}: ${what} blocks are not allowed in ${role} messages`, {
    issues: [{ field: `body.${where}`, message: `${what} blocks are not allowed in ${role} messages` }],
  });

/** Separate system or tool-result blocks are separate paragraphs. */
export const joinText = (blocks: readonly TextBlock[]): string =>
  blocks.map((block) => block.text).join('\n\n');

export function imageUrl(image: ImageBlock): string {
  const { source } = image;
  return source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
}

function userMessage(parts: UserPart[]): OpenAiMessage {
  // A lone text part as a plain string: what every OpenAI-compatible server understands.
  const only = parts.length === 1 ? parts[0] : undefined;
  return { role: 'user', content: only?.type === 'text' ? only.text : parts };
}

function userTurn(blocks: ContentBlock[], where: string): OpenAiMessage[] {
  const out: OpenAiMessage[] = [];
  let parts: UserPart[] = [];
  let toolImages: UserPart[] = [];
  const flush = () => {
    const all = [...toolImages, ...parts];
    if (all.length) out.push(userMessage(all));
    parts = [];
    toolImages = [];
  };
  blocks.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: block.text });
        return;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: imageUrl(block) } });
        return;
      case 'tool_result': {
        // Anthropic wants results first; a client that puts text before them still gets its order kept.
        if (parts.length) flush();
        const content = block.content ?? [];
        const text = joinText(content.filter((part) => part.type === 'text'));
        const images = content.filter((part) => part.type === 'image');
        if (images.length) {
          toolImages.push(
            { type: 'text', text: `(images returned by tool call ${block.tool_use_id})` },
            ...images.map((image): UserPart => ({ type: 'image_url', image_url: { url: imageUrl(image) } })),
          );
        }
        out.push({
          role: 'tool',
          tool_call_id: block.tool_use_id,
          content: block.is_error ? `Error: ${text}` : text,
        });
        return;
      }
      case 'tool_use':
        throw misplaced(`${where}.content.${index}`, 'tool_use', 'user');
      default:
        return; // thinking from an earlier turn
    }
  });
  flush();
  return out;
}

function assistantTurn(blocks: ContentBlock[], where: string): OpenAiMessage[] {
  let text = '';
  const calls: ToolCall[] = [];
  blocks.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        // The model's own text, split only where tool calls came between: rejoined as it was written.
        text += block.text;
        return;
      case 'tool_use':
        calls.push({
          id: block.id,
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        return;
      case 'image':
      case 'tool_result':
        throw misplaced(`${where}.content.${index}`, block.type, 'assistant');
      default:
        return; // thinking: its signature means nothing to another model
    }
  });
  if (calls.length) return [{ role: 'assistant', content: text || null, tool_calls: calls }];
  // An assistant turn left empty (say, thinking only) would be refused by most upstreams and says nothing.
  return text ? [{ role: 'assistant', content: text }] : [];
}

function systemTurn(blocks: ContentBlock[], where: string): OpenAiMessage[] {
  const text = blocks.map((block, index) => {
    if (block.type !== 'text') throw misplaced(`${where}.content.${index}`, block.type, 'system');
    return block;
  });
  return [{ role: 'system', content: joinText(text) }];
}

export function toOpenAiMessages(
  system: readonly TextBlock[] | null | undefined,
  messages: readonly AnthropicMessageParam[],
): OpenAiMessage[] {
  const out: OpenAiMessage[] = [];
  if (system?.length) out.push({ role: 'system', content: joinText(system) });
  messages.forEach((message, index) => {
    const where = `messages.${index}`;
    if (message.role === 'user') out.push(...userTurn(message.content, where));
    else if (message.role === 'assistant') out.push(...assistantTurn(message.content, where));
    else out.push(...systemTurn(message.content, where));
  });
  return out;
}

function toolChoice(choice: NonNullable<MessagesRequest['tool_choice']>) {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

/** The OpenAI chat completions request for an Anthropic Messages request. */
export function toChatCompletionRequest(request: MessagesRequest): ChatCompletionRequest {
  const chat: ChatCompletionRequest = {
    messages: toOpenAiMessages(request.system, request.messages),
    max_completion_tokens: request.max_tokens,
  };
  if (request.model !== undefined) chat.model = request.model;
  // OpenAI refuses tool_choice and parallel_tool_calls without tools.
  if (request.tools?.length) {
    chat['tools'] = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.input_schema,
      },
    }));
    const choice = request.tool_choice;
    if (choice) chat['tool_choice'] = toolChoice(choice);
    if (choice && 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true) {
      chat['parallel_tool_calls'] = false;
    }
  }
  if (request.stop_sequences?.length) chat['stop'] = request.stop_sequences;
  if (typeof request.temperature === 'number') chat['temperature'] = request.temperature;
  if (typeof request.top_p === 'number') chat['top_p'] = request.top_p;
  if (request.metadata?.user_id) chat['user'] = request.metadata.user_id;
  const format = request.output_config?.format;
  if (format) {
    chat['response_format'] = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: format.schema },
    };
  }
  if (request.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}
