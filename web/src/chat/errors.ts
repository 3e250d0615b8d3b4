/** What to tell the user about a failed request or answer, by error code (docs/api.md#error-codes). */
export interface ErrorView {
  title: string;
  hint: string;
  /** Trying again may work. */
  retryable: boolean;
}

/** `text` as a sentence of its own (the server's messages do not always end with a full stop). */
const sentence = (text: string): string => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

export function describeError(code: string, message: string, retryAfter?: number): ErrorView {
  const wait = retryAfter ? ` Try again in ${retryAfter} s.` : ' Try again in a moment.';
  switch (code) {
    case 'budget_exceeded':
      return {
        title: 'Budget exceeded',
        hint: `The monthly model budget is spent. An admin can raise it.${retryAfter ? wait : ''}`,
        retryable: true,
      };
    case 'rate_limited':
      return { title: 'Rate limited', hint: `Too many requests.${wait}`, retryable: true };
    case 'upstream_error':
    case 'upstream_timeout':
    case 'unavailable':
      return {
        title: 'The model provider did not answer',
        hint: `${sentence(message)} The provider may be down.`,
        retryable: true,
      };
    case 'network_error':
      return { title: 'Fidus could not be reached', hint: 'Check the connection.', retryable: true };
    case 'model_not_found':
      return { title: 'Unknown model', hint: `${sentence(message)} Choose another model.`, retryable: false };
    case 'not_found':
      return { title: 'Not found', hint: message, retryable: false };
    case 'forbidden':
      return { title: 'Not allowed', hint: message, retryable: false };
    default:
      return { title: 'Something went wrong', hint: message, retryable: true };
  }
}
