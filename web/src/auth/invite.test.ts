import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.ts';
import { inviteProblem } from './invite.ts';

describe('inviteProblem', () => {
  it('explains a 404: unknown, expired, used or for another email', () => {
    const problem = inviteProblem(new ApiError(404, 'not_found', 'Invite not found'), 'ann@example.com');
    expect(problem.title).toBe('This invite cannot be used');
    expect(problem.detail).toContain('expired');
    expect(problem.detail).toContain('another email address than ann@example.com');
    expect(inviteProblem(new ApiError(404, 'not_found', 'x'), undefined).detail).toContain(
      'another email address.',
    );
  });

  it('says when the user is a member already', () => {
    expect(inviteProblem(new ApiError(409, 'conflict', 'already'), undefined).title).toBe(
      'You are a member already',
    );
  });

  it('passes other errors on', () => {
    expect(inviteProblem(new ApiError(0, 'network_error', 'Fidus could not be reached'), undefined)).toEqual({
      title: 'The invite could not be accepted',
      detail: 'Fidus could not be reached',
    });
    expect(inviteProblem(new Error('boom'), undefined).detail).toBe('boom');
  });
});
