import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FidusError } from '../../core/index.ts';
import { parseTypeFilter, typeMatches } from './log.ts';
import { EventRegistry, eventRegistry, llmRequestCompleted } from './registry.ts';

describe('event registry', () => {
  it('refuses badly named, duplicate and undescribed types', () => {
    const registry = new EventRegistry();
    expect(() => registry.define('Thing', z.object({}), 'x')).toThrow(/lower-case dotted/);
    expect(() => registry.define('thing', z.object({}), 'x')).toThrow(/lower-case dotted/);
    expect(() => registry.define('a.b', z.object({}), ' ')).toThrow(/description/);
    registry.define('a.b', z.object({}), 'x');
    expect(() => registry.define('a.b', z.object({}), 'x')).toThrow(/twice/);
  });

  it('checks payloads, naming the field; resolves only its own definitions', () => {
    const registry = new EventRegistry();
    const defined = registry.define(
      'a.b',
      z.strictObject({ n: z.number(), inner: z.object({ s: z.string() }) }),
      'x',
    );
    expect(registry.parse(defined, { n: 1, inner: { s: 'y' } })).toEqual({ n: 1, inner: { s: 'y' } });
    const error = (() => {
      try {
        registry.parse('a.b', { n: 1, inner: { s: 2 } });
      } catch (caught) {
        return caught as FidusError;
      }
      return undefined;
    })();
    expect(FidusError.isInstance(error)).toBe(true);
    expect(error?.code).toBe('validation_failed');
    expect(error?.issues?.[0]?.field).toBe('payload.inner.s');
    expect(() => registry.parse('a.c', {})).toThrow(/Unknown event type/);
    // Another registry's definition of the same name is not this one's.
    const elsewhere = new EventRegistry().define('a.b', z.object({}), 'x');
    expect(() => registry.resolve(elsewhere)).toThrow(/Unknown event type/);
  });

  it('knows the core events', () => {
    expect(eventRegistry.get('llm.request.completed')).toBe(llmRequestCompleted);
    expect(eventRegistry.get('job.dead')).toBeDefined();
  });
});

describe('type filters', () => {
  it('takes exact types and prefix.* wildcards', () => {
    const filter = parseTypeFilter(' chat.* , llm.request.completed,,chat.*');
    expect(filter).toEqual({ exact: ['llm.request.completed'], prefixes: ['chat.'] });
    expect(typeMatches(filter, 'chat.answer.delta')).toBe(true);
    expect(typeMatches(filter, 'chatter.x')).toBe(false);
    expect(typeMatches(filter, 'llm.request.completed')).toBe(true);
    expect(typeMatches(filter, 'llm.request.started')).toBe(false);
    expect(parseTypeFilter(' , ')).toBeUndefined();
    expect(typeMatches(undefined, 'any.thing')).toBe(true);
  });
});
