import type { PageProps } from '../app.js';
import { ApiProblem } from '../components/api-problem.js';
import { useApi } from '../components/use-api.js';
import { PinChangeCard } from '../pins/pin-change-card.js';
import { acceptTarget, type PinsAnswer } from '../pins/pin-change.js';
import { may } from '../session.js';

/** Asked again this often: a server that changes a tool shows up here without a reload. */
const PINS_POLL_MS = 5000;

/**
 * Pinned definitions: Toolgate keeps each tool's definition as first accepted; when a server changes one (a "rug
 * pull"), the change waits here, and what it does meanwhile is the config's pinning rule.
 */
export function PinsPage({ session }: PageProps) {
  const pins = useApi<PinsAnswer>('/admin/pins', {}, PINS_POLL_MS);
  const changes = pins.data?.changes ?? [];
  return (
    <>
      <h1>Pinned definitions</h1>
      <p class="muted">
        Toolgate pins every tool's definition when it first sees it. A definition that changes afterwards waits here for
        a person: compare the two, then accept the change, or keep it blocked.
      </p>
      {pins.error && <ApiProblem error={pins.error} what="read the pinned definitions" />}
      <p role="status" aria-live="polite">
        {pins.data === undefined
          ? 'Loading…'
          : changes.length === 0
            ? 'No changes wait: every tool is as accepted.'
            : `${changes.length} ${changes.length === 1 ? 'change waits' : 'changes wait'}.`}
      </p>
      {changes.map((change) => (
        <PinChangeCard
          key={`${acceptTarget(change)} ${change.kind}`}
          change={change}
          canAccept={may(session, 'pins')}
          onAccepted={pins.reload}
        />
      ))}
    </>
  );
}
