/** The signed-in session and the gateway's API, with errors as readable messages. */
export interface Session {
  token: string;
  expiresAt: string;
  user: { username: string; displayName: string; role: 'compliance' | 'auditor' | 'admin'; tenantId: string | null };
}

const KEY = 'callgate.session';

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null') as Session | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: any) {
    super(message);
  }
}

export async function api<T = any>(method: string, url: string, body?: unknown): Promise<T> {
  const session = loadSession();
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? safeJson(text) : null;
  if (!res.ok) {
    const err = json?.error;
    if (res.status === 401 && url !== '/admin/api/session') {
      saveSession(null);
      location.hash = '#/login';
    }
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `The gateway answered ${res.status}`, err?.details);
  }
  return json as T;
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const get = <T = any>(url: string) => api<T>('GET', url);
export const post = <T = any>(url: string, body: unknown = {}) => api<T>('POST', url, body);

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const fmtTime = (v: number | string | null | undefined) => {
  if (v === null || v === undefined) return '—';
  const d = new Date(v);
  return `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
};

export const can = {
  editPolicy: (s: Session) => s.user.role === 'compliance' && !s.user.tenantId,
  manageLists: (s: Session) => s.user.role === 'compliance' || s.user.role === 'admin',
  operator: (s: Session) => s.user.role === 'admin' && !s.user.tenantId,
  manageUsers: (s: Session) => s.user.role === 'admin',
  audit: (s: Session) => s.user.role === 'auditor' || s.user.role === 'admin' || s.user.role === 'compliance',
  verifyTrail: (s: Session) => s.user.role === 'auditor' || s.user.role === 'admin',
};
