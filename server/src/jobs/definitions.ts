import { FidusError } from '../core/index.ts';
import {
  defaultPriority,
  EnqueueOptionsSchema,
  type Backoff,
  type EnqueueOptions,
  type JobDefinition,
} from './types.ts';

export const defaultAttempts = 5;
export const defaultBackoff: Backoff = { type: 'exponential', delayMs: 1_000 };
export const defaultLeaseMs = 60_000;

/** What a backend stores for a new job, every default applied. */
export interface NewJob {
  type: string;
  payload: unknown;
  tenantId: string | null;
  priority: number;
  groupKey: string;
  idempotencyKey: string | null;
  maxAttempts: number;
  backoff: Backoff;
  delayMs: number;
}

/** The job types a process knows, shared by both backends: validation and defaults live here once. */
export class Definitions {
  readonly #byType = new Map<string, JobDefinition<unknown>>();

  define<Payload>(definition: JobDefinition<Payload>): void {
    this.#byType.set(definition.type, definition as JobDefinition<unknown>);
  }

  get(type: string): JobDefinition<unknown> | undefined {
    return this.#byType.get(type);
  }

  types(): string[] {
    return [...this.#byType.keys()];
  }

  /** Checks type, payload and options; throws FidusError `validation_failed` naming the field. */
  prepare(type: string, payload: unknown, options: EnqueueOptions = {}): NewJob {
    const definition = this.#byType.get(type);
    if (!definition) {
      throw new FidusError('validation_failed', `Unknown job type "${type}"`, {
        issues: [
          { field: 'type', message: `is not a defined job type (${this.types().join(', ') || 'none'})` },
        ],
      });
    }
    const parsedOptions = EnqueueOptionsSchema.safeParse(options);
    if (!parsedOptions.success) throw invalid('options', parsedOptions.error.issues);
    const parsedPayload = definition.payload.safeParse(payload);
    if (!parsedPayload.success) throw invalid('payload', parsedPayload.error.issues);
    const opts = parsedOptions.data;
    const tenantId = opts.tenantId ?? null;
    return {
      type,
      payload: parsedPayload.data,
      tenantId,
      priority: opts.priority ?? defaultPriority,
      groupKey: opts.groupKey ?? tenantId ?? 'system',
      idempotencyKey: opts.idempotencyKey ?? null,
      maxAttempts: opts.attempts ?? definition.attempts ?? defaultAttempts,
      backoff: opts.backoff ?? definition.backoff ?? defaultBackoff,
      delayMs: opts.delayMs ?? 0,
    };
  }
}

function invalid(where: string, issues: { path: PropertyKey[]; message: string }[]): FidusError {
  const mapped = issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  return new FidusError('validation_failed', `Invalid job: ${mapped[0]!.field}: ${mapped[0]!.message}`, {
    issues: mapped,
  });
}

/** A thrown value as the one line a job record keeps. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 2_000);
}
