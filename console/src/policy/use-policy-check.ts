import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { checkPolicy, type PolicyProblem } from './policy-api.js';

/** How long typing must pause before the draft is checked: one request per pause, not per key. */
const CHECK_DELAY_MS = 300;

export type CheckState =
  | { readonly status: 'checking' }
  | { readonly status: 'checked'; readonly problems: readonly PolicyProblem[] }
  | { readonly status: 'failed'; readonly error: string };

/**
 * The gateway's verdict on the draft (POST /admin/policies/check, the words of `toolgate policy check`), as the
 * user types: asked once typing pauses, and an answer about an older text than the latest is dropped.
 */
export function usePolicyCheck(text: string, file: string): CheckState {
  const [state, setState] = useState<CheckState>({ status: 'checking' });
  const latest = useRef(text);
  latest.current = text;
  useEffect(() => {
    setState({ status: 'checking' });
    const timer = setTimeout(() => {
      checkPolicy(text, file)
        .then(({ problems }) => {
          if (latest.current === text) setState({ status: 'checked', problems });
        })
        .catch((error: unknown) => {
          if (latest.current !== text) return;
          // A 400 with problems is an answer too, should the gateway send one that way.
          if (error instanceof ApiError && Array.isArray(error.body.problems)) {
            setState({ status: 'checked', problems: error.body.problems as PolicyProblem[] });
          } else setState({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
        });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, file]);
  return state;
}
