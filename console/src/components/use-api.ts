import { useCallback, useEffect, useState } from 'preact/hooks';
import { apiGet, ApiError } from '../api.js';

/** One GET of the admin API, as a page reads it: the answer, or the refusal, and a way to ask again. */
export interface ApiState<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Asks again, keeping what was shown until the new answer arrives (no flash of "Loading…"). */
  readonly reload: () => void;
}

/**
 * GETs `path` with `query` when either changes (and every `pollMs`, when given). An answer to an older request
 * that arrives late is dropped, so a quick change of grant cannot show the previous grant's rows.
 */
export function useApi<T>(path: string, query: Record<string, string | undefined> = {}, pollMs?: number): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [asked, setAsked] = useState(0);
  const key = `${path}?${JSON.stringify(query)}`;
  useEffect(() => {
    let current = true;
    setLoading(true);
    apiGet<T>(path, query)
      .then((answer) => {
        if (!current) return;
        setData(answer);
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (current) setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
      })
      .finally(() => {
        if (current) setLoading(false);
      });
    const timer = pollMs === undefined ? undefined : setTimeout(() => setAsked((n) => n + 1), pollMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // `key` stands for path and query: a new object with the same values asks nothing new.
  }, [key, asked]);
  const reload = useCallback(() => setAsked((n) => n + 1), []);
  return { data, error, loading, reload };
}
