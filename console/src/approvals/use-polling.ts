import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Runs `poll` now and then every `intervalMs` after the previous run ended (never two at once, so a slow gateway
 * is not piled on), while `enabled`. The latest `poll` is called, so it may close over fresh state.
 */
export function usePolling(poll: () => Promise<void>, intervalMs: number, enabled = true): void {
  const latest = useRef(poll);
  latest.current = poll;
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await latest.current();
      } catch (error) {
        console.error(error);
      }
      if (!stopped) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs, enabled]);
}

/** The time, renewed every `intervalMs`: what countdowns are drawn from. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
