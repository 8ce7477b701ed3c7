/**
 * The console's one way to the admin API: same-origin fetches with the sign-in cookie, the CSRF token on every
 * change, and one error type whose message is the server's own words.
 */

/** A refusal from the admin API: its HTTP status and the message it gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Whatever else the body said, e.g. a policy's `problems`. */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken = '';

/** Set when the session is known (sign-in, or GET /admin/session); sent with every change. */
export function useCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when any request answers 401: the shell shows the sign-in form again. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export function apiGet<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return request<T>('GET', text === '' ? path : `${path}?${text}`);
}

export function apiSend<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    if (response.status === 401 && path !== '/admin/session') onSignedOut();
    const message = typeof parsed.error === 'string' ? parsed.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, parsed);
  }
  return parsed as T;
}
