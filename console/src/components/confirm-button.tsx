import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A button for something that cannot be undone: the first press asks, in words next to it, and only the second
 * (the "Yes" button, which takes the focus) does it. Escape or "Cancel" steps back. No modal dialog, so nothing
 * traps the keyboard.
 */
export function ConfirmButton({
  label,
  name = label,
  question,
  confirm,
  onConfirm,
  danger = false,
}: {
  label: string;
  /** The accessible name, when the visible label alone is ambiguous ("Revoke" in a table of grants). */
  name?: string;
  question: ComponentChildren;
  confirm: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const again = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  function cancel() {
    setAsking(false);
    setTimeout(() => again.current?.focus());
  }
  async function go() {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  }
  if (!asking) {
    return (
      <button
        type="button"
        class={danger ? 'danger' : 'secondary'}
        ref={again}
        aria-label={name === label ? undefined : name}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span
      class="confirm"
      role="group"
      aria-label={name}
      onKeyDown={(event) => {
        if (event.key === 'Escape') cancel();
      }}
    >
      <span>{question}</span>{' '}
      <button type="button" class={danger ? 'danger' : ''} ref={yes} disabled={busy} onClick={() => void go()}>
        {confirm}
      </button>{' '}
      <button type="button" class="secondary" onClick={cancel}>
        Cancel
      </button>
    </span>
  );
}
