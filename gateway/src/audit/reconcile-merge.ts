import { isMysql, type Db } from '../storage/db';
import { SubjectEvent } from './reconcile-events';
import type { Binding } from './table-bindings';

const PAGE = 2000;

type Row = Record<string, any>;

/** The database sorted keys in an order JavaScript does not share (a case-insensitive collation): merging is not possible. */
export class OrderMismatch extends Error {}

interface Group<T> {
  key: string;
  items: T[];
}

/**
 * Items of one keyset-paged query, grouped by key. A full page's last key may continue on the next
 * page, so it is held back and read again from there (`>=`): every key in the buffer is whole, and
 * a group is taken from it without waiting. Keys are checked to rise in JavaScript's order too.
 */
class KeyedSource<T> {
  private buffer: T[] = [];
  private index = 0;
  private after: string | null = null;
  private inclusive = false;
  private done = false;
  private previous: string | null = null;

  constructor(
    private readonly page: (after: string | null, inclusive: boolean) => Promise<T[]>,
    private readonly keyOf: (item: T) => string,
  ) {}

  /** The next group, at once when buffered, else once the next page is read. */
  next(): Group<T> | null | Promise<Group<T> | null> {
    if (this.index < this.buffer.length) return this.take();
    if (this.done) return null;
    return this.fill().then(() => (this.index < this.buffer.length ? this.take() : null));
  }

  private async fill(): Promise<void> {
    const items = await this.page(this.after, this.inclusive);
    this.index = 0;
    if (items.length < PAGE) {
      this.buffer = items;
      this.done = true;
      return;
    }
    const last = this.keyOf(items[items.length - 1]);
    let cut = items.length;
    while (cut > 0 && this.keyOf(items[cut - 1]) === last) cut--;
    // One key filling a whole page (no row has that many events) is taken as it is.
    this.buffer = cut > 0 ? items.slice(0, cut) : items;
    this.after = last;
    this.inclusive = cut > 0;
  }

  private take(): Group<T> {
    const key = this.keyOf(this.buffer[this.index]);
    if (this.previous !== null && !(key > this.previous)) throw new OrderMismatch(`${key} after ${this.previous}`);
    this.previous = key;
    const items: T[] = [];
    while (this.index < this.buffer.length && this.keyOf(this.buffer[this.index]) === key) items.push(this.buffer[this.index++]);
    return { key, items };
  }
}

function eventSource(db: Db, type: string): KeyedSource<SubjectEvent> {
  return new KeyedSource(
    async (after, inclusive) => {
      // The payload as bytes: most are only compared with a prefix, never decoded.
      const payload = db.raw(`CAST(payload AS ${isMysql(db) ? 'BINARY' : 'BLOB'}) AS payload`);
      const query = db('audit_events').where({ type }).orderBy([{ column: 'subject_id' }, { column: 'id' }]).limit(PAGE).select('id', 'chain_id', 'seq', 'at', 'type', 'subject_id', payload);
      const rows: Row[] = await (after === null ? query.whereNotNull('subject_id') : query.andWhere('subject_id', inclusive ? '>=' : '>', after));
      return rows.map((r) => new SubjectEvent(r.chain_id, Number(r.seq), Number(r.at), Number(r.id), r.type, String(r.subject_id), r.payload ?? null));
    },
    (e) => e.subject,
  );
}

function rowSource(db: Db, binding: Binding): KeyedSource<Row> {
  return new KeyedSource(
    async (after) => {
      const query = db(binding.table).orderBy(binding.key).limit(PAGE).select(binding.key, ...binding.fields.map((f) => f.column), ...(binding.extraColumns ?? []));
      return after === null ? query : query.where(binding.key, '>', after);
    },
    (r) => String(r[binding.key]),
  );
}

/** One key's events (every type) and row, as the merge found them. */
export interface Matched {
  key: string;
  events: SubjectEvent[];
  row: Row | undefined;
}

/**
 * Streams the events of each type and the table's rows, each sorted by its key, and merges them:
 * two range scans instead of a lookup per row. Visits every key either side has, in order; waits
 * only when a page is read or the visitor needs to.
 */
export async function mergeByKey(db: Db, binding: Binding, visit: (matched: Matched) => void | Promise<void>): Promise<void> {
  const sources: KeyedSource<any>[] = [...binding.types.map((t) => eventSource(db, t)), rowSource(db, binding)];
  const heads: (Group<unknown> | null)[] = [];
  for (const source of sources) heads.push(await source.next());
  for (;;) {
    let key: string | null = null;
    for (const head of heads) if (head && (key === null || head.key < key)) key = head.key;
    if (key === null) return;
    let events: SubjectEvent[] = [];
    let row: Row | undefined;
    for (let i = 0; i < sources.length; i++) {
      const head = heads[i];
      if (!head || head.key !== key) continue;
      if (i < binding.types.length) events = events.length === 0 ? (head.items as SubjectEvent[]) : [...events, ...(head.items as SubjectEvent[])];
      else row = (head.items as Row[])[0];
      const next = sources[i].next();
      heads[i] = next instanceof Promise ? await next : next;
    }
    if (events.length > 1) events.sort((a, b) => a.at - b.at || a.id - b.id);
    const visited = visit({ key, events, row });
    if (visited) await visited;
  }
}
