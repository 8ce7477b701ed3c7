import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/**
 * A label above its control, tied by `for`/`id` rather than by wrapping: a wrapped select's accessible name would
 * include its chosen option ("Server Any"), which reads badly and matches loosely.
 */
export function Field({ label, children }: { label: string; children: (id: string) => ComponentChildren }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(id)}
    </div>
  );
}
