/** One configured server as `GET /admin/servers` shows it (src/upstream/upstream.ts ServerHealth). */
export interface ServerHealth {
  readonly id: string;
  readonly state: 'starting' | 'up' | 'down' | 'closed';
  /** When it entered this state, ISO 8601. */
  readonly since: string;
  readonly era?: string;
  readonly tools?: number;
  /** Where its last attempt failed, and how. */
  readonly step?: 'start' | 'connection';
  readonly error?: string;
  /** Its last lines on stderr before it failed. */
  readonly stderr?: readonly string[];
  /** List methods that did not answer usefully. */
  readonly lists?: readonly { readonly method: string; readonly error: string }[];
  readonly sessions: number;
}

export interface ServersAnswer {
  readonly servers: readonly ServerHealth[];
}

/** "up 5 min ago"-style age of an ISO time, for a status line; the exact time goes in a title. */
export function ageOf(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return iso;
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
