import { useState } from 'preact/hooks';
import { can, fmtTime, get, post } from '../api';
import { paramsSchema, SchemaForm } from '../components/schema-form';
import { Badge, Card, ErrorBox, Field, Loading, useLoad } from '../components/ui';
import type { PageProps } from '../main';

const span = (seconds: number) => (seconds > 86400 && seconds % 86400 === 0 ? `${seconds / 86400} days` : seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** A rule's values in one line a compliance officer reads without opening the editor. */
function summary(rule: any): string {
  const p = rule.params ?? {};
  switch (rule.kind) {
    case 'callingHours':
      return p.windows.map((w: any) => `${w.start}–${w.end} ${w.days.length === 7 ? 'every day' : 'on days ' + w.days.join(',')}`).join('; ') + (p.holidays ? '; no calls on holidays' : '');
    case 'frequencyCap':
      return `${p.scope.replace(/_/g, ' ')}: ` + p.windows.map((w: any) => `${w.max} per ${span(w.seconds)}`).join(', ');
    case 'rotation':
      return `at most ${p.maxDistinctNumbers} display numbers per callee in ${span(p.windowSeconds)}`;
    case 'registry':
      return p.lists.map((l: any) => `${l.listId}: copy at most ${l.maxAgeDays} days old${l.requireLoaded ? ', required' : ''}`).join('; ');
    case 'virtualOperator':
      return plural(p.ranges.length, 'prefix', 'prefixes') + ': ' + p.ranges.map((r: any) => r.prefix).join(', ');
    case 'consent':
      return `named consent for ${p.modesNeedingNamedConsent.join(', ') || 'no mode'}; exempt: ${p.exemptPurposes.join(', ') || 'none'}`;
    case 'optOut':
      return `a refusal covers at least the ${p.scopeFloor}`;
    case 'callerId':
      return p.requireVerified ? 'verified right to use required' : 'registered number required';
    default:
      return Object.keys(p).length ? JSON.stringify(p) : '—';
  }
}

function RuleEditor({ pack, rule, schema, onDone }: { pack: any; rule: any; schema: any; onDone: () => void }) {
  const [params, setParams] = useState(structuredClone(rule.params));
  const [effectiveFrom, setEffectiveFrom] = useState(rule.effectiveFrom);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const change = await post('/admin/api/policy-changes', { packId: pack.id, ruleId: rule.id, params, effectiveFrom, reason });
      location.hash = `#/changes/${change.id}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="editor" onSubmit={save} aria-label={`Edit ${rule.id}`}>
      <h3>
        Edit {rule.id} <span class="muted">· {rule.title}</span>
      </h3>
      <p class="muted">Your change becomes a draft. It takes effect only when a second compliance officer approves it; run a what-if on the draft first.</p>
      <SchemaForm root={schema} schema={paramsSchema(schema, rule.kind)} value={params} onChange={setParams} name="params" />
      <div class="row">
        <Field label="Effective from" hint="Read in the pack's time zone">
          <input type="text" name="effectiveFrom" value={effectiveFrom} placeholder="YYYY-MM-DD" onInput={(e) => setEffectiveFrom((e.target as HTMLInputElement).value)} />
        </Field>
      </div>
      <Field label="Reason for the change" hint="Cite the instrument, letter or notice behind it. At least 5 characters.">
        <textarea name="reason" rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
      </Field>
      <ErrorBox error={error} />
      <div class="buttons">
        <button class="primary" type="submit" disabled={busy}>
          Save as draft
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function PoliciesPage({ session }: PageProps) {
  const { data, error, loading } = useLoad(() => Promise.all([get('/admin/api/policies'), get('/admin/api/policies/schema')]));
  const [editing, setEditing] = useState<string | null>(null);
  if (loading) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  const [{ packs }, schema] = data!;
  const editable = can.editPolicy(session);
  return (
    <div>
      <h1>Policies in force</h1>
      {!editable && (
        <p class="muted">
          {session.user.role === 'compliance' ? "Packs apply to every tenant: only the gateway operator's compliance officers change them." : 'You can read the packs; compliance officers change them.'}
        </p>
      )}
      {packs.map((pack: any) => (
        <Card
          title={
            <>
              {pack.name} <span class="muted">({pack.id})</span>
            </>
          }
          actions={
            <span class="muted small-text">
              revision <code>{pack.revisionId}</code> {pack.publishedAt ? `· published ${fmtTime(pack.publishedAt)}` : '· as shipped'}
            </span>
          }
        >
          <p class="muted">{pack.description}</p>
          <table class="rules">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Values</th>
                <th>Source</th>
                <th>In force</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {pack.rules.map((rule: any) => [
                <tr data-rule={rule.id}>
                  <td>
                    <div class="rule-id">{rule.id}</div>
                    <div>{rule.title}</div>
                  </td>
                  <td class="values">{summary(rule)}</td>
                  <td class="citation">
                    <div>
                      {rule.citation.instrument} {rule.citation.article}
                    </div>
                    <div class="muted small-text">{rule.citation.note}</div>
                    <Badge kind={rule.status === 'statute' || rule.status === 'regulation' ? 'neutral' : 'warn'}>{rule.status.replace('_', ' ')}</Badge>
                  </td>
                  <td class="nowrap">
                    from {rule.effectiveFrom}
                    {rule.effectiveUntil && <div>until {rule.effectiveUntil}</div>}
                  </td>
                  <td>
                    {editable && (
                      <button class="small" onClick={() => setEditing(editing === rule.id ? null : rule.id)}>
                        Edit
                      </button>
                    )}
                  </td>
                </tr>,
                editing === rule.id && (
                  <tr>
                    <td colSpan={5}>
                      <RuleEditor pack={pack} rule={rule} schema={schema} onDone={() => setEditing(null)} />
                    </td>
                  </tr>
                ),
              ])}
            </tbody>
          </table>
        </Card>
      ))}
    </div>
  );
}
