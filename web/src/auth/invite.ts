import { ApiError } from '../api/client.ts';

/** What went wrong accepting an invite (`POST /invites/:token/accept`), in words for the person holding it. */
export function inviteProblem(error: unknown, email: string | undefined): { title: string; detail: string } {
  if (!(error instanceof ApiError)) {
    return { title: 'The invite could not be accepted', detail: String((error as Error)?.message ?? error) };
  }
  if (error.status === 404) {
    // The server answers the same for all of these, so that a token cannot be probed.
    return {
      title: 'This invite cannot be used',
      detail:
        'It is unknown, has expired (invites last 7 days), was used already, or is meant for another email ' +
        `address${email ? ` than ${email}` : ''}. Ask for a new invite, or sign in with the account it was sent to.`,
    };
  }
  if (error.code === 'conflict') {
    return {
      title: 'You are a member already',
      detail: 'Your account is a member of this workspace already: switch to it from the account menu.',
    };
  }
  return { title: 'The invite could not be accepted', detail: error.message };
}
