import { useEffect, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { apiGet, apiSend, ApiError, useCsrfToken, whenSignedOut } from './api.js';
import type { Session } from './session.js';
import { SignIn } from './pages/sign-in.js';
import { ServersPage } from './pages/servers.js';
import { ToolPage } from './pages/tool.js';
import { PolicyPage } from './pages/policy.js';
import { ApprovalsPage } from './pages/approvals.js';
import { AuditPage } from './pages/audit.js';
import { GrantsPage } from './pages/grants.js';
import { PinsPage } from './pages/pins.js';
import { MembersPage } from './pages/members.js';

/** What every page is given: the session, and the rest of the hash path (`#/tools/NAME` → ["NAME"]). */
export interface PageProps {
  readonly session: Session;
  readonly params: readonly string[];
}

interface Route {
  readonly path: string;
  readonly title: string;
  readonly page: ComponentType<PageProps>;
  /** Listed in the navigation; tool pages are reached from the tools list. */
  readonly nav: boolean;
}

const ROUTES: readonly Route[] = [
  { path: 'servers', title: 'Servers and tools', page: ServersPage, nav: true },
  { path: 'tools', title: 'Tool', page: ToolPage, nav: false },
  { path: 'policy', title: 'Policy', page: PolicyPage, nav: true },
  { path: 'approvals', title: 'Approvals', page: ApprovalsPage, nav: true },
  { path: 'audit', title: 'Audit', page: AuditPage, nav: true },
  { path: 'grants', title: 'Grants', page: GrantsPage, nav: true },
  { path: 'pins', title: 'Pinned definitions', page: PinsPage, nav: true },
  { path: 'members', title: 'Members', page: MembersPage, nav: true },
];

/**
 * `#/tools/fs__read_file` → ["tools", "fs__read_file"]; each part URI-decoded. A query after `?` is the page's own
 * (`#/audit?tool=x`: the audit viewer's filters) and not part of the path.
 */
function hashParts(): string[] {
  return location.hash
    .replace(/^#\/?/, '')
    .replace(/\?.*$/, '')
    .split('/')
    .filter((part) => part !== '')
    .map((part) => decodeURIComponent(part));
}

function useHash(): string[] {
  const [parts, setParts] = useState(hashParts);
  useEffect(() => {
    const changed = () => setParts(hashParts());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return parts;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [first = 'servers', ...params] = useHash();
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    apiGet<Session>('/admin/session')
      .then(signedIn)
      .catch((error: unknown) => {
        if (!(error instanceof ApiError) || error.status !== 401) console.error(error);
        setSession(null);
      });
  }, []);
  function signedIn(next: Session) {
    useCsrfToken(next.csrf);
    setSession(next);
  }
  async function signOut() {
    await apiSend('DELETE', '/admin/session').catch(() => undefined);
    setSession(null);
  }
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={signedIn} />;
  const route = ROUTES.find((candidate) => candidate.path === first) ?? ROUTES[0]!;
  const Page = route.page;
  setTitle(route.title);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Toolgate</span>
        <nav aria-label="Console">
          <ul>
            {ROUTES.filter((candidate) => candidate.nav).map((candidate) => (
              <li key={candidate.path}>
                <a
                  href={`#/${candidate.path}`}
                  aria-current={
                    candidate === route || (route.path === 'tools' && candidate.path === 'servers') ? 'page' : undefined
                  }
                >
                  {candidate.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {session.member.name} <span class="role">({session.member.role.replace('_', ' ')})</span>
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Page session={session} params={params} />
      </main>
    </div>
  );
}

function setTitle(title: string): void {
  document.title = `${title} · Toolgate`;
}
