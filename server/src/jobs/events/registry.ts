import { z } from 'zod';
import { FidusError, type FieldIssue } from '../../core/index.ts';

/**
 * A typed domain event: its name (lower-case dotted words, `calendar.appointment.created`), the zod schema of its
 * payload (the single source of its type, its runtime check and its entry in docs/events.md) and what it means.
 */
export interface EventDefinition<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly type: Type;
  readonly schema: Schema;
  readonly description: string;
}

/** What handlers and followers get: the payload as the schema outputs it. */
export type PayloadOf<D extends EventDefinition> = z.output<D['schema']>;
/** What `emit` takes: the payload as the schema accepts it. */
export type InputOf<D extends EventDefinition> = z.input<D['schema']>;

/** At least two lower-case words joined by dots: `<module>.<thing>.<happened>`. */
export const eventTypePattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** The event types a process knows. One registry per process ({@link eventRegistry}); tests may make their own. */
export class EventRegistry {
  readonly #byType = new Map<string, EventDefinition>();

  define<const Type extends string, Schema extends z.ZodType>(
    type: Type,
    schema: Schema,
    description: string,
  ): EventDefinition<Type, Schema> {
    if (!eventTypePattern.test(type)) {
      throw new Error(
        `Event type "${type}" must be lower-case dotted words, e.g. "calendar.appointment.created"`,
      );
    }
    if (this.#byType.has(type)) throw new Error(`Event type "${type}" is defined twice`);
    if (description.trim() === '') throw new Error(`Event type "${type}" needs a description`);
    const definition: EventDefinition<Type, Schema> = Object.freeze({ type, schema, description });
    this.#byType.set(type, definition);
    return definition;
  }

  get(type: string): EventDefinition | undefined {
    return this.#byType.get(type);
  }

  /** Every definition, by type. */
  all(): EventDefinition[] {
    return [...this.#byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  /**
   * The definition of `event` (a type or a definition of this registry); a FidusError `validation_failed` naming
   * `type` if it is not one.
   */
  resolve(event: string | EventDefinition): EventDefinition {
    const type = typeof event === 'string' ? event : event.type;
    const definition = this.#byType.get(type);
    if (!definition || (typeof event !== 'string' && definition !== event)) {
      throw new FidusError('validation_failed', `Unknown event type "${type}"`, {
        issues: [{ field: 'type', message: 'is not a defined event type' }],
      });
    }
    return definition;
  }

  /** Checks a payload against its type's schema: the parsed payload, or `validation_failed` naming the field. */
  parse(event: string | EventDefinition, payload: unknown): unknown {
    const definition = this.resolve(event);
    const parsed = definition.schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const issues: FieldIssue[] = parsed.error.issues.map((issue) => ({
      field: ['payload', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new FidusError(
      'validation_failed',
      `Invalid ${definition.type} event: ${issues[0]!.field}: ${issues[0]!.message}`,
      { issues },
    );
  }
}

/** The process's event types: `defineEvent` adds to it, `emit` checks against it, docs/events.md lists it. */
export const eventRegistry = new EventRegistry();

/** Defines an event type in the process's registry; keep the returned definition to emit and subscribe with. */
export function defineEvent<const Type extends string, Schema extends z.ZodType>(
  type: Type,
  schema: Schema,
  description: string,
): EventDefinition<Type, Schema> {
  return eventRegistry.define(type, schema, description);
}

// ---------------------------------------------------------------------------------------------------------------
// Core events. Domains define theirs beside their code (and emit them with the returned definition).
// ---------------------------------------------------------------------------------------------------------------

const tokens = z.number().int().nonnegative();

export const llmRequestCompleted = defineEvent(
  'llm.request.completed',
  z.strictObject({
    requestId: z.string().min(1).max(200).describe('The request id (`x-request-id`) of the gateway call'),
    model: z.string().min(1).max(500).describe('The model asked for: a Fidus alias or a catalog name'),
    provider: z.string().min(1).max(200).nullable().describe('The provider that answered; null if none did'),
    status: z.enum(['ok', 'error', 'cancelled']).describe('How the call ended'),
    inputTokens: tokens.describe('Prompt tokens, as the provider counted them'),
    outputTokens: tokens.describe('Completion tokens, as the provider counted them'),
    costUsd: z.number().nonnegative().nullable().describe('What the call cost; null when no price is known'),
  }),
  'A call through the LLM gateway finished (answered, failed or cancelled by the client). Written with its row ' +
    'of the request log, in the same transaction, within about half a second (the log is written in batches); ' +
    'the event id is the row id in `llm_requests`.',
);

export const jobDead = defineEvent(
  'job.dead',
  z.strictObject({
    jobId: z.uuid().describe('The job'),
    type: z.string().min(1).max(200).describe('Its job type'),
    error: z.string().max(2_000).describe('The error of its last attempt'),
  }),
  'A job failed its last attempt and will not run again unless retried by hand. In the job’s tenant (none for ' +
    'system jobs). The embedded backend commits it with the burial; the distributed one writes it right after ' +
    '(lost if its worker dies in between).',
);

/**
 * Payloads by event type, for `emit(tx, tenantId, 'llm.request.completed', …)`. A module whose events should be
 * emitted by name adds them (`declare module`); emitting with the definition object needs nothing of the kind.
 */
export interface EventPayloads {
  'llm.request.completed': InputOf<typeof llmRequestCompleted>;
  'job.dead': InputOf<typeof jobDead>;
}
