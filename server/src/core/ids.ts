import { uuidv7 } from 'uuidv7';

/** Time-ordered ids (UUIDv7), generated in the application because PostgreSQL 15 has no uuidv7(). */
export const newId = (): string => uuidv7();

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => uuidPattern.test(value);
