/**
 * A form generated from a JSON Schema node: objects become labelled groups, arrays lists with add
 * and remove, enums selects or check boxes, numbers number fields. The pack schema is the only
 * source of what a rule's values may be; the gateway checks them again and explains problems.
 */
type Schema = Record<string, any>;

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function resolve(root: Schema, node: Schema | undefined): Schema {
  let n = node ?? {};
  while (n.$ref) n = n.$ref.replace('#/', '').split('/').reduce((acc: Schema, key: string) => acc[key], root);
  return n;
}

/** The params schema of one rule kind, from the pack schema's if/then branches. */
export function paramsSchema(root: Schema, kind: string): Schema {
  const branch = root.definitions.rule.allOf.find((b: Schema) => b.if?.properties?.kind?.const === kind);
  return branch?.then?.properties?.params ?? { type: 'object', additionalProperties: false };
}

const humanize = (key: string) => key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase()).replace(/ Seconds$/, ' (seconds)');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '';
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function blank(root: Schema, node: Schema): unknown {
  const s = resolve(root, node);
  if (s.enum) return s.enum[0];
  if (s.type === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of s.required ?? []) out[key] = blank(root, s.properties[key]);
    return out;
  }
  if (s.type === 'array') return [];
  if (s.type === 'integer' || s.type === 'number') return s.minimum ?? 0;
  if (s.type === 'boolean') return false;
  return '';
}

interface Props {
  root: Schema;
  schema: Schema;
  value: any;
  onChange: (v: any) => void;
  name: string;
  label?: string;
}

export function SchemaForm({ root, schema, value, onChange, name, label }: Props) {
  const s = resolve(root, schema);
  const title = label ?? humanize(name.split('.').pop() || name);
  if (s.type === 'object' || s.properties) {
    const keys = Object.keys(s.properties ?? {});
    if (keys.length === 0) return <p class="muted">This rule has no values to set: it is on or off through its effective dates.</p>;
    return (
      <fieldset class="schema-object">
        {label !== '' && name !== 'params' && <legend>{title}</legend>}
        {keys.map((key) => {
          const present = value && key in value;
          const optional = !(s.required ?? []).includes(key);
          if (optional && !present) {
            return (
              <button type="button" class="small" onClick={() => onChange({ ...value, [key]: blank(root, s.properties[key]) })}>
                + {humanize(key)}
              </button>
            );
          }
          return (
            <div class="schema-prop">
              <SchemaForm root={root} schema={s.properties[key]} value={value?.[key]} name={`${name}.${key}`} onChange={(v) => onChange({ ...value, [key]: v })} />
              {optional && (
                <button
                  type="button"
                  class="small link"
                  onClick={() => {
                    const { [key]: _drop, ...rest } = value;
                    onChange(rest);
                  }}
                >
                  remove {humanize(key).toLowerCase()}
                </button>
              )}
            </div>
          );
        })}
      </fieldset>
    );
  }
  if (s.type === 'array') {
    const items = resolve(root, s.items);
    const list: any[] = Array.isArray(value) ? value : [];
    if (name.endsWith('.days')) {
      return (
        <div class="field">
          <span class="field-label">{title}</span>
          <div class="checks">
            {WEEKDAYS.map((d, i) => (
              <label class="check">
                <input type="checkbox" data-field={`${name}.${i + 1}`} checked={list.includes(i + 1)} onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...list, i + 1].sort() : list.filter((x) => x !== i + 1))} />
                {d}
              </label>
            ))}
          </div>
        </div>
      );
    }
    if (items.enum) {
      return (
        <div class="field">
          <span class="field-label">{title}</span>
          <div class="checks">
            {items.enum.map((opt: string) => (
              <label class="check">
                <input type="checkbox" checked={list.includes(opt)} onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...list, opt] : list.filter((x) => x !== opt))} />
                {opt}
              </label>
            ))}
          </div>
          {s.description && <span class="field-hint">{s.description}</span>}
        </div>
      );
    }
    return (
      <div class="schema-array">
        <div class="field-label">{title}</div>
        {s.description && <div class="field-hint">{s.description}</div>}
        {list.map((item, i) => (
          <div class="schema-item">
            <SchemaForm root={root} schema={items} value={item} name={`${name}.${i}`} label={`#${i + 1}`} onChange={(v) => onChange(list.map((x, j) => (j === i ? v : x)))} />
            <button type="button" class="small danger-link" onClick={() => onChange(list.filter((_, j) => j !== i))}>
              Remove #{i + 1}
            </button>
          </div>
        ))}
        <button type="button" class="small" onClick={() => onChange([...list, blank(root, items)])}>
          + Add {items.type === 'object' ? 'entry' : 'value'}
        </button>
      </div>
    );
  }
  const options: unknown[] | undefined = s.enum;
  if (options) {
    return (
      <label class="field">
        <span class="field-label">{title}</span>
        <select data-field={name} value={String(value ?? '')} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          {options.map((o) => (
            <option value={String(o)}>{String(o)}</option>
          ))}
        </select>
        {s.description && <span class="field-hint">{s.description}</span>}
      </label>
    );
  }
  if (s.type === 'boolean') {
    return (
      <label class="check">
        <input type="checkbox" data-field={name} checked={Boolean(value)} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
        {title}
        {s.description && <span class="field-hint"> — {s.description}</span>}
      </label>
    );
  }
  if (s.type === 'integer' || s.type === 'number') {
    const isSeconds = /seconds$/i.test(name);
    return (
      <label class="field field-number">
        <span class="field-label">{title}</span>
        <input
          type="number"
          data-field={name}
          value={value ?? ''}
          step={s.type === 'integer' ? 1 : 'any'}
          onInput={(e) => {
            const raw = (e.target as HTMLInputElement).value;
            onChange(raw === '' ? null : Number(raw));
          }}
        />
        <span class="field-hint">{[isSeconds && duration(Number(value)) && `= ${duration(Number(value))}`, s.minimum !== undefined && `at least ${s.minimum}`, s.maximum !== undefined && `at most ${s.maximum}`].filter(Boolean).join(' · ')}</span>
      </label>
    );
  }
  const isClock = /^\^\(\[01\]/.test(s.pattern ?? '') || (s.$ref ?? '').endsWith('clock') || /start$|end$/.test(name);
  return (
    <label class="field">
      <span class="field-label">{title}</span>
      <input type="text" data-field={name} value={value ?? ''} placeholder={isClock ? 'HH:MM' : ''} onInput={(e) => onChange((e.target as HTMLInputElement).value)} />
      {s.description && <span class="field-hint">{s.description}</span>}
    </label>
  );
}
