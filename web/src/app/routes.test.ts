import { describe, expect, it } from 'vitest';
import { parseRoute, pathOf, type Route } from './routes.ts';

const id = '0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('routes', () => {
  it.each<[string, Route]>([
    ['/', { name: 'new' }],
    [`/t/${id}`, { name: 'thread', threadId: id }],
    [`/p/${id}`, { name: 'project', projectId: id }],
    [`/p/${id}/new`, { name: 'new', projectId: id }],
    ['/settings/members', { name: 'settings', section: 'members' }],
    ['/usage', { name: 'usage' }],
    ['/invite/fidi_abc-DEF_123', { name: 'invite', token: 'fidi_abc-DEF_123' }],
  ])('%s round-trips', (path, route) => {
    expect(parseRoute(path)).toEqual(route);
    expect(pathOf(route)).toBe(path);
  });

  it('lower-cases ids and falls back to safe places', () => {
    expect(parseRoute(`/t/${id.toUpperCase()}`)).toEqual({ name: 'thread', threadId: id });
    expect(parseRoute('/settings')).toEqual({ name: 'settings', section: 'keys' });
    expect(parseRoute('/settings/nope')).toEqual({ name: 'settings', section: 'keys' });
    expect(parseRoute('/t/not-an-id')).toEqual({ name: 'new' });
    expect(parseRoute('/somewhere/else')).toEqual({ name: 'new' });
  });
});
