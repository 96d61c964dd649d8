import { get, query } from '../api';
import { Field, useLoad } from './ui';

/**
 * A campaign filter: the tenant's campaigns by name once a tenant is chosen, otherwise a campaign
 * id typed by hand (the operator's staff looking across every tenant).
 */
export function CampaignField({ tenantId, name, value, onChange }: { tenantId: string | null; name: string; value: string; onChange: (e: Event) => void }) {
  const campaigns = useLoad(() => (tenantId ? get(`/v1/campaigns${query({ tenantId })}`) : Promise.resolve({ campaigns: [] })), [tenantId]);
  return (
    <Field label="Campaign">
      {campaigns.data?.campaigns.length ? (
        <select name={name} value={value} onChange={onChange}>
          <option value="">Any</option>
          {campaigns.data.campaigns.map((c: any) => (
            <option value={c.id}>{c.name}</option>
          ))}
        </select>
      ) : (
        <input name={name} placeholder="any (campaign id)" value={value} onInput={onChange} />
      )}
    </Field>
  );
}
