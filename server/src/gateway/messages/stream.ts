// OpenAI chat.completion.chunk events → Anthropic's streamed message, event by event, as a pure incremental
// transform: `push` takes one OpenAI SSE event (`data: …\n\n`, as the router yields them) and returns the
// Anthropic events (`event: <type>\ndata: {…}\n\n`) it completes, often none.
//
//   message_start · (content_block_start · content_block_delta* · content_block_stop)* · message_delta ·
//   message_stop — or, once something broke, one `event: error`, after which nothing else is sent.
//
// Text becomes text blocks (text_delta); each tool call its own tool_use block (input_json_delta), in the order
// the upstream sends them. OpenAI sends usage in a last chunk before [DONE], so the final usage and the stop
// reason go out in message_delta, on [DONE]; message_start carries usage only if the first chunk had it.
// Reasoning deltas some upstreams send (`reasoning_content`) are dropped: a thinking block needs Anthropic's
// signature, which no other model can give.
import { anthropicErrorEvent } from './errors.ts';
import { anthropicUsage, stopReason, type UsageLike } from './response.ts';

export interface StreamTranslatorOptions {
  /** The message's `id` (msg_…). */
  id: string;
  /** The model named until the upstream names its own. */
  model: string;
  /** The request's stop sequences, to tell a stop sequence from an end of turn where the upstream says which. */
  stopSequences: readonly string[];
}

interface ToolCallDelta {
  index?: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

interface Chunk {
  model?: string;
  error?: { message?: unknown; type?: unknown };
  usage?: UsageLike | null;
  choices?: {
    delta?: { content?: string | null; tool_calls?: ToolCallDelta[] | null } | null;
    finish_reason?: string | null;
    stop_reason?: unknown;
  }[];
}

/** The tool call being streamed: its block starts once its name is known (the first delta carries it, mostly). */
interface OpenTool {
  kind: 'tool';
  openAiIndex: number;
  index: number | undefined;
  id: string;
  name: string;
  pendingArguments: string;
}

type OpenBlock = { kind: 'text'; index: number } | OpenTool;

const event = (data: { type: string } & Record<string, unknown>) =>
  `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

/** The `data:` of one SSE event (several data lines are joined); undefined for comments and keep-alives. */
function dataOf(sse: string): string | undefined {
  const lines = sse.split(/\r?\n/).filter((line) => line.startsWith('data:'));
  if (!lines.length) return undefined;
  return lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
}

export class AnthropicStreamTranslator {
  readonly #options: StreamTranslatorOptions;
  #model: string;
  #started = false;
  #finished = false;
  #nextIndex = 0;
  #open: OpenBlock | undefined;
  /** Tool calls already given a block: OpenAI index → block index. */
  readonly #toolBlocks = new Map<number, number>();
  #finishReason: string | null | undefined;
  #matchedStop: unknown;
  #usage: UsageLike | undefined;

  constructor(options: StreamTranslatorOptions) {
    this.#options = options;
    this.#model = options.model;
  }

  /** True once message_stop or an error went out: nothing more will. */
  get finished(): boolean {
    return this.#finished;
  }

  push(sse: string): string[] {
    if (this.#finished) return [];
    const data = dataOf(sse);
    if (data === undefined) return [];
    if (data.trim() === '[DONE]') return this.#finish();
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return []; // not JSON: nothing an Anthropic client could use
    }
    if (chunk.error) {
      const message = typeof chunk.error.message === 'string' ? chunk.error.message : 'The upstream failed';
      return this.fail(message);
    }
    if (typeof chunk.model === 'string' && chunk.model && !this.#started) this.#model = chunk.model;
    if (chunk.usage) this.#usage = chunk.usage;
    const out = this.#start();
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const content = choice.delta?.content;
    if (typeof content === 'string' && content !== '') {
      if (this.#open?.kind !== 'text') {
        out.push(...this.#close());
        const index = this.#nextIndex++;
        this.#open = { kind: 'text', index };
        out.push(event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      }
      out.push(
        event({
          type: 'content_block_delta',
          index: this.#open.index,
          delta: { type: 'text_delta', text: content },
        }),
      );
    }
    for (const call of choice.delta?.tool_calls ?? []) out.push(...this.#toolCall(call));
    if (choice.finish_reason) this.#finishReason = choice.finish_reason;
    if (choice.stop_reason !== undefined && choice.stop_reason !== null)
      this.#matchedStop = choice.stop_reason;
    return out;
  }

  /** Ends the message with an error event (headers are gone: nothing else can say it). */
  fail(message: string): string[] {
    if (this.#finished) return [];
    this.#finished = true;
    return [...this.#start(), anthropicErrorEvent(message)];
  }

  /** The upstream's events are over: an answer that never finished is an error. */
  end(): string[] {
    return this.fail('The upstream stream ended before the answer was complete');
  }

  #start(): string[] {
    if (this.#started) return [];
    this.#started = true;
    const message = {
      id: this.#options.id,
      type: 'message',
      role: 'assistant',
      model: this.#model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(this.#usage),
    };
    return [event({ type: 'message_start', message })];
  }

  #toolCall(call: ToolCallDelta): string[] {
    const out: string[] = [];
    const openAiIndex = call.index ?? 0;
    const args = call.function?.arguments ?? '';
    const open = this.#open;
    let tool: OpenTool;
    if (open?.kind === 'tool' && open.openAiIndex === openAiIndex) {
      tool = open;
      if (!tool.name && call.function?.name) tool.name = call.function.name;
    } else {
      const earlier = this.#toolBlocks.get(openAiIndex);
      if (earlier !== undefined) {
        // A late fragment of a call whose block was closed (upstreams do not interleave calls, but be safe):
        // Anthropic clients put deltas by index, so it still lands in the right block.
        return args ? [this.#argumentsDelta(earlier, args)] : [];
      }
      out.push(...this.#close());
      const fallbackId = `toolu_${this.#options.id.slice(4)}_${openAiIndex}`;
      tool = {
        kind: 'tool',
        openAiIndex,
        index: undefined,
        id: call.id || fallbackId,
        name: call.function?.name ?? '',
        pendingArguments: '',
      };
      this.#open = tool;
    }
    tool.pendingArguments += args;
    if (tool.index === undefined && tool.name) out.push(...this.#startTool(tool));
    else if (tool.index !== undefined && args) out.push(this.#argumentsDelta(tool.index, args));
    if (tool.index !== undefined) tool.pendingArguments = '';
    return out;
  }

  #startTool(tool: OpenTool): string[] {
    const index = this.#nextIndex++;
    tool.index = index;
    this.#toolBlocks.set(tool.openAiIndex, index);
    const contentBlock = { type: 'tool_use', id: tool.id, name: tool.name, input: {} };
    const out = [event({ type: 'content_block_start', index, content_block: contentBlock })];
    if (tool.pendingArguments) out.push(this.#argumentsDelta(index, tool.pendingArguments));
    tool.pendingArguments = '';
    return out;
  }

  #argumentsDelta(index: number, partialJson: string): string {
    return event({
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json: partialJson },
    });
  }

  #close(): string[] {
    const open = this.#open;
    if (!open) return [];
    this.#open = undefined;
    const out = open.kind === 'tool' && open.index === undefined ? this.#startTool(open) : [];
    out.push(event({ type: 'content_block_stop', index: open.index! }));
    return out;
  }

  #finish(): string[] {
    const out = [...this.#start(), ...this.#close()];
    this.#finished = true;
    const usage = this.#usage ? anthropicUsage(this.#usage) : { output_tokens: 0 };
    const stop = stopReason(
      this.#finishReason,
      this.#toolBlocks.size > 0,
      this.#matchedStop,
      this.#options.stopSequences,
    );
    out.push(event({ type: 'message_delta', delta: stop, usage }), event({ type: 'message_stop' }));
    return out;
  }
}
