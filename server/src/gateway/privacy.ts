// The privacy proxy on the gateway's request path (docs/privacy.md, "The request path"): each target attempt gets
// the request as its provider class (local or cloud) may see it under the caller's policy — personal data left as
// is, replaced by placeholders, redacted, or the target refused — and the answer gets the original values back
// before the client sees it, whole or streamed, tool-call arguments included.
import { FidusError } from '../core/index.ts';
import {
  createRestorer,
  detect,
  detectOptionsOf,
  effectiveAction,
  emptyMapping,
  entityTypes,
  providerClassOf,
  pseudonymise,
  restore,
  type Finding,
  type ClassActions,
  type PrivacyAction,
  type PrivacyPolicy,
  type ProviderClass,
  type PseudonymMap,
  type Restorer,
} from '../privacy/index.ts';
import type { Target } from './catalog.ts';
import type { ChatCompletionRequest } from './schemas.ts';

export interface PrivacyContext {
  /** Policies broadest first: tenant, then project and/or API key. Empty: the default policy. */
  scopes: readonly PrivacyPolicy[];
  /** Placeholders stable across calls sharing it (a chat thread); mutated in place as new values appear. */
  mapping: PseudonymMap;
  /** What was protected in what was actually sent (counts by type), called once per call that sent something. */
  onProtected?: (counts: Record<string, number>) => void;
}

/** Hears each finding of a request as it is sent to a provider class, with the action taken on it (metrics). */
export type FindingsObserver = (type: string, action: PrivacyAction) => void;

/** A request as one provider class receives it. */
export interface PreparedRequest {
  providerClass: ProviderClass;
  /** The request to send: the caller's own object when nothing had to change (byte for byte the same text). */
  request: ChatCompletionRequest;
  /** Items replaced (pseudonymised or redacted), by type; empty when nothing was. */
  counts: Record<string, number>;
  /** The types the policy blocks for this class that the request holds; non-empty: the target is refused. */
  blocked: string[];
  /** Whether answers need restoring: placeholders may have gone out. */
  restores: boolean;
  /** Each finding in what this class would receive, with the action on it (for the metrics). */
  findings: { type: string; action: PrivacyAction }[];
}

type Slot = { text: string; set: (text: string) => void; json: boolean };

/**
 * One request's privacy work: detection runs once per distinct text, lazily (not at all when every attempt goes to
 * a class that allows everything), and each provider class's version of the request is built once.
 */
export class RequestPrivacy {
  readonly #request: ChatCompletionRequest;
  readonly #scopes: readonly PrivacyPolicy[];
  readonly #observe: FindingsObserver | undefined;
  readonly mapping: PseudonymMap;
  readonly #findings = new Map<string, Finding[]>();
  readonly #prepared = new Map<ProviderClass, PreparedRequest>();
  readonly #observed = new Set<ProviderClass>();

  constructor(
    request: ChatCompletionRequest,
    privacy: PrivacyContext | undefined,
    observe?: FindingsObserver,
  ) {
    this.#request = request;
    this.#scopes = privacy?.scopes ?? [];
    this.mapping = privacy?.mapping ?? emptyMapping();
    this.#observe = observe;
  }

  /** The request as `target`'s provider class may receive it. */
  prepare(target: Target): PreparedRequest {
    return this.prepareFor(
      providerClassOf({ baseURL: target.provider.baseURL, local: target.provider.local }),
    );
  }

  /** The request as a provider of `providerClass` may receive it. */
  prepareFor(providerClass: ProviderClass): PreparedRequest {
    let prepared = this.#prepared.get(providerClass);
    if (!prepared) {
      prepared = this.#prepareFor(providerClass);
      this.#prepared.set(providerClass, prepared);
    }
    return prepared;
  }

  /** Marks a class's version as sent: its findings count in the metrics once per request. */
  sent(prepared: PreparedRequest): void {
    if (!this.#observe || this.#observed.has(prepared.providerClass)) return;
    this.#observed.add(prepared.providerClass);
    for (const { type, action } of prepared.findings) this.#observe(type, action);
  }

  /** The error of a request whose every remaining target the policy refuses. */
  static blockedError(types: Iterable<string>): FidusError {
    const names = [...new Set(types)].sort();
    return new FidusError(
      'pii_blocked',
      `The request holds personal data the privacy policy does not let leave for this model: ${names.join(', ')}`,
    );
  }

  #actionOf(type: string, providerClass: ProviderClass): PrivacyAction {
    return effectiveAction(this.#scopes, type, providerClass);
  }

  /** Every type a scope may name allows this class: the text goes out untouched, nothing is even looked for. */
  #allowsEverything(providerClass: ProviderClass): boolean {
    const types = new Set<string>(entityTypes);
    for (const scope of this.#scopes) {
      for (const type of Object.keys(scope.types ?? {})) types.add(type);
      for (const pattern of scope.patterns ?? []) types.add(pattern.type);
      for (const list of scope.denyLists ?? []) types.add(list.type);
      if (scope.default?.[providerClass] && scope.default[providerClass] !== 'allow') return false;
    }
    for (const type of types) if (this.#actionOf(type, providerClass) !== 'allow') return false;
    return true;
  }

  #findingsOf(text: string): Finding[] {
    let found = this.#findings.get(text);
    if (!found) {
      found = detect(text, detectOptionsOf(this.#scopes[0]));
      this.#findings.set(text, found);
    }
    return found;
  }

  #prepareFor(providerClass: ProviderClass): PreparedRequest {
    if (this.#allowsEverything(providerClass)) {
      return {
        providerClass,
        request: this.#request,
        counts: {},
        blocked: [],
        restores: false,
        findings: [],
      };
    }
    const copy = structuredClone(this.#request);
    const counts: Record<string, number> = {};
    const blocked = new Set<string>();
    const findings: PreparedRequest['findings'] = [];
    const slots = slotsOf(copy);
    // Block first: a refused target must not add values to the (shared, stored) mapping.
    for (const slot of slots) {
      for (const text of slot.json ? stringsOfJson(slot.text) : [slot.text]) {
        for (const finding of this.#findingsOf(text)) {
          const action = this.#actionOf(finding.type, providerClass);
          findings.push({ type: finding.type, action });
          if (action === 'block') blocked.add(finding.type);
        }
      }
    }
    if (blocked.size > 0) {
      const types = [...blocked].sort();
      return { providerClass, request: this.#request, counts: {}, blocked: types, restores: false, findings };
    }
    const known = this.#knownValues(slots, providerClass);
    let changed = false;
    for (const slot of slots) {
      const protectedText = slot.json
        ? this.#protectJson(slot.text, providerClass, counts, known)
        : this.#protectText(slot.text, providerClass, counts, known);
      if (protectedText !== slot.text) {
        slot.set(protectedText);
        changed = true;
      }
    }
    return {
      providerClass,
      request: changed ? copy : this.#request,
      counts,
      blocked: [],
      restores: Object.keys(this.mapping.values).length > 0,
      findings,
    };
  }

  /**
   * Values to replace wherever they stand as whole words, found or not: those the detector found in any text of
   * the request, and those the mapping already holds (a thread's earlier turns). So a value found once does not
   * leak through a mention the detector missed in another message or a later turn.
   */
  #knownValues(slots: readonly Slot[], providerClass: ProviderClass): Map<string, string> {
    const known = new Map<string, string>();
    for (const [placeholder, value] of Object.entries(this.mapping.values)) {
      const type = /^<([A-Z][A-Z0-9_]*)_\d+>$/.exec(placeholder)?.[1];
      if (!type || type === 'TEXT' || value.trim().length < 2) continue;
      if (this.#actionOf(type, providerClass) === 'pseudonymize') known.set(value, type);
    }
    // Found values to redact or replace: a mention the recognisers missed elsewhere must not go out raw either.
    for (const slot of slots) {
      for (const text of slot.json ? stringsOfJson(slot.text) : [slot.text]) {
        for (const finding of this.#findingsOf(text)) {
          const value = text.slice(finding.start, finding.end);
          if (value.trim().length < 2 || known.has(value)) continue;
          const action = this.#actionOf(finding.type, providerClass);
          if (action === 'pseudonymize' || action === 'redact') known.set(value, finding.type);
        }
      }
    }
    return known;
  }

  /** One text: redactions first (irreversible), then placeholders, which the shared mapping remembers. */
  #protectText(
    text: string,
    providerClass: ProviderClass,
    counts: Record<string, number>,
    known: ReadonlyMap<string, string>,
  ): string {
    const findings = withKnownValues(text, this.#findingsOf(text), known);
    // A literal placeholder in the input must still be escaped (as <TEXT_n>), or the answer would "restore" it.
    if (findings.length === 0 && !text.includes('<')) return text;
    let redacted = '';
    let position = 0;
    let shift = 0;
    const toReplace: Finding[] = [];
    for (const finding of findings) {
      const action = this.#actionOf(finding.type, providerClass);
      if (action === 'redact') {
        const mark = `[${finding.type}]`;
        redacted += text.slice(position, finding.start) + mark;
        position = finding.end;
        shift += mark.length - (finding.end - finding.start);
        counts[finding.type] = (counts[finding.type] ?? 0) + 1;
      } else if (action === 'pseudonymize') {
        toReplace.push({ ...finding, start: finding.start + shift, end: finding.end + shift });
      }
    }
    redacted += text.slice(position);
    if (toReplace.length === 0 && !redacted.includes('<')) return redacted;
    const result = pseudonymise(redacted, toReplace, this.mapping);
    Object.assign(this.mapping.values, result.mapping.values);
    for (const replacement of result.replacements) {
      if (replacement.type === 'TEXT') continue; // the input's own placeholder-like text, not personal data
      counts[replacement.type] = (counts[replacement.type] ?? 0) + 1;
    }
    return result.text;
  }

  /** Tool-call arguments: each string of the JSON protected on its own, so the result stays valid JSON. */
  #protectJson(
    text: string,
    providerClass: ProviderClass,
    counts: Record<string, number>,
    known: ReadonlyMap<string, string>,
  ): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.#protectText(text, providerClass, counts, known);
    }
    let changed = false;
    const walk = (value: unknown): unknown => {
      if (typeof value === 'string') {
        const out = this.#protectText(value, providerClass, counts, known);
        if (out !== value) changed = true;
        return out;
      }
      if (Array.isArray(value)) return value.map(walk);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
      }
      return value;
    };
    const result = walk(parsed);
    return changed ? JSON.stringify(result) : text;
  }
}

/**
 * The texts of a request that carry the conversation: every message's string content and text parts (system,
 * user, assistant, tool), and assistant tool-call (and legacy function-call) arguments. Setting a slot writes into
 * `request` (a copy the caller made).
 */
function slotsOf(request: ChatCompletionRequest): Slot[] {
  const slots: Slot[] = [];
  for (const message of request.messages as Record<string, unknown>[]) {
    const content = message['content'];
    if (typeof content === 'string') {
      slots.push({ text: content, set: (text) => (message['content'] = text), json: false });
    } else if (Array.isArray(content)) {
      for (const part of content as Record<string, unknown>[]) {
        if (part && typeof part === 'object' && typeof part['text'] === 'string') {
          slots.push({ text: part['text'], set: (text) => (part['text'] = text), json: false });
        }
      }
    }
    const calls = message['tool_calls'];
    if (Array.isArray(calls)) {
      for (const call of calls as { function?: Record<string, unknown> }[]) {
        const fn = call?.function;
        if (fn && typeof fn['arguments'] === 'string') {
          slots.push({ text: fn['arguments'], set: (text) => (fn['arguments'] = text), json: true });
        }
      }
    }
    const legacy = message['function_call'] as Record<string, unknown> | undefined;
    if (legacy && typeof legacy === 'object' && typeof legacy['arguments'] === 'string') {
      slots.push({ text: legacy['arguments'], set: (text) => (legacy['arguments'] = text), json: true });
    }
  }
  return slots;
}

const wordChar = /[\p{L}\p{N}_]/u;

/**
 * The findings plus every whole-word occurrence of a known value outside them (earliest, then longest, first), as
 * findings of the value's type; sorted by start.
 */
function withKnownValues(text: string, findings: Finding[], known: ReadonlyMap<string, string>): Finding[] {
  if (known.size === 0) return findings;
  const extra: Finding[] = [];
  for (const [value, type] of known) {
    for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
      const end = at + value.length;
      if (wordChar.test(value[0]!) && at > 0 && wordChar.test(text[at - 1]!)) continue;
      if (wordChar.test(value.at(-1)!) && end < text.length && wordChar.test(text[end]!)) continue;
      if (overlapsAny(findings, at, end)) continue;
      extra.push({ type, start: at, end, score: 1 });
    }
  }
  if (extra.length === 0) return findings;
  extra.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged = [...findings];
  let lastEnd = -1;
  for (const finding of extra) {
    if (finding.start < lastEnd) continue;
    merged.push(finding);
    lastEnd = finding.end;
  }
  return merged.sort((a, b) => a.start - b.start);
}

/** Whether [start, end) overlaps one of `sorted` (non-overlapping spans sorted by start): a binary search. */
function overlapsAny(sorted: readonly Finding[], start: number, end: number): boolean {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]!.end <= start) low = mid + 1;
    else high = mid;
  }
  return low < sorted.length && sorted[low]!.start < end;
}

/** The strings of JSON text (tool-call arguments), each protected on its own; the whole text when it is not JSON. */
function stringsOfJson(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [text];
  }
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(parsed);
  return strings;
}

/** Text fields of a message or a delta that may carry placeholders back. */
const textFields = ['content', 'refusal', 'reasoning_content', 'reasoning'] as const;

/** A whole chat.completion with the original values back; the body as it is when it is not one. */
export function restoreCompletion(body: Buffer, mapping: PseudonymMap): Buffer {
  const text = body.toString('utf8');
  if (!text.includes('<')) return body;
  let parsed: { choices?: { message?: Record<string, unknown> }[] };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return body;
  }
  if (!Array.isArray(parsed?.choices)) return body;
  for (const choice of parsed.choices) {
    const message = choice?.message;
    if (!message || typeof message !== 'object') continue;
    for (const field of textFields) {
      if (typeof message[field] === 'string') message[field] = restore(message[field], mapping);
    }
    for (const fn of functionsOf(message)) {
      if (typeof fn['arguments'] === 'string')
        fn['arguments'] = restore(fn['arguments'], mapping, { json: true });
    }
  }
  return Buffer.from(JSON.stringify(parsed));
}

function functionsOf(message: Record<string, unknown>): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const calls = message['tool_calls'];
  if (Array.isArray(calls)) {
    for (const call of calls as { function?: Record<string, unknown> }[]) {
      if (call?.function && typeof call.function === 'object') found.push(call.function);
    }
  }
  const legacy = message['function_call'];
  if (legacy && typeof legacy === 'object') found.push(legacy as Record<string, unknown>);
  return found;
}

interface Delta {
  tool_calls?: { index?: number; function?: { arguments?: string | null } | null }[] | null;
  function_call?: { arguments?: string | null } | null;
  [field: string]: unknown;
}
interface Chunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: { index?: number; delta?: Delta | null; finish_reason?: string | null }[];
}

/**
 * Restores a streamed answer event by event: per choice a restorer per text field and a JSON one per tool call's
 * arguments, each holding back only the beginning of a possible placeholder. What is held is flushed into the
 * choice's finishing chunk, or — if the stream has none — into one chunk of its own before `[DONE]`.
 */
export async function* restoreStream(
  events: AsyncGenerator<string, void, undefined>,
  mapping: PseudonymMap,
): AsyncGenerator<string, void, undefined> {
  const restorers = new Map<string, Restorer>();
  const restorerOf = (key: string, json: boolean) => {
    let restorer = restorers.get(key);
    if (!restorer) restorers.set(key, (restorer = createRestorer(mapping, { json })));
    return restorer;
  };
  let last: Chunk | undefined;
  /** What the restorers of one choice still hold, written into `delta`. */
  const flushChoice = (choice: number, delta: Delta): boolean => {
    let flushed = false;
    for (const [key, restorer] of restorers) {
      const [index, kind, name] = key.split(':') as [string, string, string];
      if (Number(index) !== choice) continue;
      restorers.delete(key);
      const rest = restorer.end();
      if (!rest) continue;
      flushed = true;
      if (kind === 'text') delta[name] = `${typeof delta[name] === 'string' ? delta[name] : ''}${rest}`;
      else if (kind === 'tool') {
        delta.tool_calls ??= [];
        delta.tool_calls.push({ index: Number(name), function: { arguments: rest } });
      } else {
        delta.function_call = {
          ...delta.function_call,
          arguments: `${delta.function_call?.arguments ?? ''}${rest}`,
        };
      }
    }
    return flushed;
  };
  /** Chunks for what is still held when the stream ends without a finishing chunk. */
  function* leftovers(): Generator<string> {
    const choices = new Set([...restorers.keys()].map((key) => Number(key.split(':')[0])));
    for (const index of choices) {
      const delta: Delta = {};
      if (!flushChoice(index, delta)) continue;
      const { id, object, created, model } = last ?? {};
      yield `data: ${JSON.stringify({ id, object, created, model, choices: [{ index, delta, finish_reason: null }] })}\n\n`;
    }
  }
  for await (const event of events) {
    const data = dataOf(event);
    if (data === undefined) {
      yield event;
      continue;
    }
    if (data.trim() === '[DONE]') {
      yield* leftovers();
      yield event;
      continue;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      yield event;
      continue;
    }
    if (!chunk || typeof chunk !== 'object' || !Array.isArray(chunk.choices)) {
      yield event;
      continue;
    }
    last = chunk;
    let changed = false;
    for (const choice of chunk.choices) {
      const index = choice?.index ?? 0;
      const delta = choice?.delta;
      if (delta && typeof delta === 'object') {
        for (const field of textFields) {
          const value = delta[field];
          if (typeof value !== 'string') continue;
          const out = restorerOf(`${index}:text:${field}`, false).push(value);
          if (out !== value) {
            delta[field] = out;
            changed = true;
          }
        }
        for (const call of delta.tool_calls ?? []) {
          const args = call?.function?.arguments;
          if (typeof args !== 'string') continue;
          const out = restorerOf(`${index}:tool:${call.index ?? 0}`, true).push(args);
          if (out !== args) {
            call.function!.arguments = out;
            changed = true;
          }
        }
        const legacy = delta.function_call?.arguments;
        if (typeof legacy === 'string') {
          const out = restorerOf(`${index}:function:`, true).push(legacy);
          if (out !== legacy) {
            delta.function_call!.arguments = out;
            changed = true;
          }
        }
      }
      if (choice?.finish_reason) {
        choice.delta ??= {};
        if (flushChoice(index, choice.delta)) changed = true;
      }
    }
    yield changed ? `data: ${JSON.stringify(chunk)}\n\n` : event;
  }
  // A stream cut short (an error event, no [DONE]) still gets what was held: the client keeps what it saw.
  yield* leftovers();
}

/** The `data:` of one SSE event (several data lines joined); undefined for comments and keep-alives. */
function dataOf(event: string): string | undefined {
  if (!event.includes('data:')) return undefined;
  const lines = event.split(/\r?\n/).filter((line) => line.startsWith('data:'));
  if (!lines.length) return undefined;
  return lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
}

/** What `POST /privacy/preview` answers: the text a cloud model would receive, and what was found in it. */
export interface CloudPreview {
  text: string;
  /** In UTF-16 indices of the input, with the action the policy takes on each. */
  findings: (Finding & { action: PrivacyAction })[];
  /** Types the policy blocks for a cloud model: a real request holding them answers 422 `pii_blocked`. */
  blocked: string[];
}

/**
 * `text` as a cloud model would receive it under `scopes` (broadest first), built by the code that builds requests,
 * so the preview cannot drift from what is sent. A blocked value shows protected (its type's action as if
 * `block` were `pseudonymize`), never raw.
 */
export function previewForCloud(
  text: string,
  scopes: readonly PrivacyPolicy[],
  mapping: PseudonymMap = emptyMapping(),
): CloudPreview {
  const findings = detect(text, detectOptionsOf(scopes[0])).map((finding) => ({
    ...finding,
    action: effectiveAction(scopes, finding.type, 'cloud'),
  }));
  const blocked = [...new Set(findings.filter((f) => f.action === 'block').map((f) => f.type))];
  const unblocked = blocked.length === 0 ? scopes : scopes.map(withoutBlock);
  const prepared = new RequestPrivacy(
    { model: 'preview', messages: [{ role: 'user', content: text }] },
    { scopes: unblocked, mapping },
  ).prepareFor('cloud');
  return { text: prepared.request.messages[0]!.content as string, findings, blocked };
}

const unblock = (actions: ClassActions | undefined): ClassActions | undefined =>
  actions &&
  Object.fromEntries(
    Object.entries(actions).map(([providerClass, action]) => [
      providerClass,
      action === 'block' ? 'pseudonymize' : action,
    ]),
  );

function withoutBlock(scope: PrivacyPolicy): PrivacyPolicy {
  return {
    ...scope,
    ...(scope.default ? { default: unblock(scope.default) } : {}),
    ...(scope.types
      ? {
          types: Object.fromEntries(
            Object.entries(scope.types).map(([type, actions]) => [type, unblock(actions)]),
          ),
        }
      : {}),
  };
}
