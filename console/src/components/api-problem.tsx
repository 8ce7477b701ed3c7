import type { ApiError } from '../api.js';

/** A refusal of the admin API in words: a 403 says the role may not, anything else gives the server's message. */
export function ApiProblem({ error, what }: { error: ApiError; what: string }) {
  return (
    <p class="error" role="alert">
      {error.status === 403 ? `Your role may not ${what}: ${error.message}` : `Could not ${what}: ${error.message}`}
    </p>
  );
}
