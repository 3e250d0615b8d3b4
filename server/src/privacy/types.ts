/** The entity types Fidus detects on its own. Tenants' patterns and deny-lists may add their own type names. */
export const entityTypes = [
  'PERSON',
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'IP_ADDRESS',
  'US_SSN',
  'URL',
  'STREET_ADDRESS',
  'LOCATION',
  'ORGANIZATION',
  'DATE_OF_BIRTH',
  'SECRET',
] as const;

export type EntityType = (typeof entityTypes)[number];

/** A built-in entity type, or a tenant's own (upper case, e.g. `CUSTOMER_ID`). */
export type FindingType = EntityType | (string & {});

/** What a type name must look like: it becomes part of a placeholder (`<CUSTOMER_ID_1>`). */
export const typeNamePattern = /^[A-Z][A-Z0-9_]{0,39}$/;

/** One piece of personal data found in a text: `text.slice(start, end)`, UTF-16 indices; score in 0..1. */
export interface Finding {
  type: FindingType;
  start: number;
  end: number;
  score: number;
}

/** A tenant's own regular expression (RE2 syntax: linear-time, no look-around or back-references). */
export interface CustomPattern {
  type: string;
  pattern: string;
  /** Case-insensitive matching. Default false. */
  ignoreCase?: boolean;
  /** Default 0.9. */
  score?: number;
}

/** Exact terms (case-insensitive, whole words) that are always protected, e.g. project code names. */
export interface DenyList {
  type: string;
  terms: readonly string[];
  /** Default 1. */
  score?: number;
}

export interface DetectOptions {
  /** Built-in types to look for; default all. Custom patterns and deny-lists always apply. */
  types?: readonly EntityType[];
  /** Findings scoring below this are dropped (default 0.5). */
  minScore?: number;
  patterns?: readonly CustomPattern[];
  denyLists?: readonly DenyList[];
  /** Terms never reported (case-insensitive exact match of a finding's text), e.g. the company's own name. */
  allowList?: readonly string[];
}
