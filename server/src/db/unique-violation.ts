/**
 * Whether a write failed on a unique index (SQLSTATE 23505) — on the error or its cause, since drizzle wraps driver
 * errors — and, when `constraint` is given, on that index (PostgreSQL names it in `constraint`, PGlite in
 * `constraint_name` or only in the message).
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const candidates = [error, (error as { cause?: unknown } | null)?.cause] as ({
    code?: unknown;
    constraint?: unknown;
    constraint_name?: unknown;
    message?: unknown;
  } | null)[];
  return candidates.some(
    (candidate) =>
      candidate?.code === '23505' &&
      (constraint === undefined ||
        [candidate.constraint, candidate.constraint_name, candidate.message].some((value) =>
          String(value ?? '').includes(constraint),
        )),
  );
}
