import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { can, get, loadSession, saveSession, type Session } from './api';
import { AuditPage } from './pages/audit';
import { DashboardPage } from './pages/dashboard';
import { DecisionPage, DecisionsPage } from './pages/decisions';
import { IdentityPage } from './pages/identity';
import { ListsPage } from './pages/lists';
import { LoginPage } from './pages/login';
import { ChangePage, ChangesPage } from './pages/changes';
import { PoliciesPage } from './pages/policies';
import { SipPage } from './pages/sip';
import { UsersPage } from './pages/users';

export interface PageProps {
  session: Session;
  tenantId: string | null;
  params: string[];
}

interface NavItem {
  path: string;
  label: string;
  show: (s: Session) => boolean;
}

const NAV: NavItem[] = [
  { path: 'dashboard', label: 'Dashboard', show: () => true },
  { path: 'decisions', label: 'Decisions', show: () => true },
  { path: 'policies', label: 'Policies', show: () => true },
  { path: 'changes', label: 'Changes & what-if', show: () => true },
  { path: 'lists', label: 'Opt-outs, consents, registries', show: () => true },
  { path: 'identity', label: 'Tenants & numbers', show: () => true },
  { path: 'audit', label: 'Audit trail & export', show: can.audit },
  { path: 'users', label: 'Users', show: can.manageUsers },
  { path: 'sip', label: 'SIP dialers', show: can.operator },
];

function route(): string[] {
  return location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

/** The tenant the pages act for: a tenant's people have exactly one; the operator's staff pick one. */
function TenantPicker({ session, value, onChange }: { session: Session; value: string | null; onChange: (id: string | null) => void }) {
  const [tenants, setTenants] = useState<{ id: string; legalName: string }[]>([]);
  useEffect(() => {
    get('/admin/api/tenants').then((r) => {
      setTenants(r.tenants);
      if (!value && r.tenants.length > 0 && session.user.tenantId) onChange(r.tenants[0].id);
    }, () => setTenants([]));
  }, [session.token]);
  if (session.user.tenantId) return <span class="tenant-fixed">{tenants[0]?.legalName ?? session.user.tenantId}</span>;
  return (
    <select aria-label="Tenant" class="tenant-select" value={value ?? ''} onChange={(e) => onChange((e.target as HTMLSelectElement).value || null)}>
      <option value="">All tenants</option>
      {tenants.map((t) => (
        <option value={t.id}>{t.legalName}</option>
      ))}
    </select>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(loadSession());
  const [path, setPath] = useState(route());
  const [tenantId, setTenantId] = useState<string | null>(session?.user.tenantId ?? null);
  useEffect(() => {
    const onHash = () => {
      setPath(route());
      setSession(loadSession());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (!session || path[0] === 'login') {
    return (
      <LoginPage
        onSignedIn={(s) => {
          saveSession(s);
          setSession(s);
          setTenantId(s.user.tenantId);
          location.hash = '#/dashboard';
        }}
      />
    );
  }
  const [page = 'dashboard', ...params] = path;
  const props: PageProps = { session, tenantId, params };
  const signOut = () => {
    saveSession(null);
    setSession(null);
    location.hash = '#/login';
  };
  return (
    <div class="shell">
      <aside class="sidebar">
        <div class="sidebar-inner">
        <div class="brand">
          callgate<span>compliance</span>
        </div>
        <div class="tenant">
          Tenant
          <TenantPicker session={session} value={tenantId} onChange={setTenantId} />
        </div>
        <nav>
          {NAV.filter((n) => n.show(session)).map((n) => (
            <a href={`#/${n.path}`} class={page === n.path || (page === 'decision' && n.path === 'decisions') ? 'active' : ''}>
              {n.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <div class="who-name">{session.user.displayName}</div>
          <div class="who-role">
            {session.user.role}
            {session.user.tenantId ? '' : ' · gateway operator'}
          </div>
          <button class="link" onClick={signOut}>
            Sign out
          </button>
        </div>
        </div>
      </aside>
      <main class="main">
        <Page page={page} props={props} />
      </main>
    </div>
  );
}

function Page({ page, props }: { page: string; props: PageProps }) {
  switch (page) {
    case 'dashboard':
      return <DashboardPage {...props} />;
    case 'decisions':
      return <DecisionsPage {...props} />;
    case 'decision':
      return <DecisionPage {...props} />;
    case 'policies':
      return <PoliciesPage {...props} />;
    case 'changes':
      return props.params[0] ? <ChangePage {...props} /> : <ChangesPage {...props} />;
    case 'lists':
      return <ListsPage {...props} />;
    case 'identity':
      return <IdentityPage {...props} />;
    case 'audit':
      return <AuditPage {...props} />;
    case 'users':
      return <UsersPage {...props} />;
    case 'sip':
      return <SipPage {...props} />;
    default:
      return <p>No such page.</p>;
  }
}

render(<App />, document.getElementById('app')!);
