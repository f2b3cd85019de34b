/** Pre-orders: the table (search, filter, pages in queue order), the CSV export, and one pre-order's page. */
import { useState } from 'preact/hooks';
import { api, apiText, idempotencyKey, type Page } from './api.ts';
import { count, instant, minorUnits, money } from './format.ts';
import { PREORDER_STATES, type Preorder, type PreorderDetail } from './types.ts';
import { Confirm, Field, Pager, Refusal, useLoad } from './ui.tsx';

export function PreorderTable(props: { campaignId: string; version: number }) {
  const [email, setEmail] = useState('');
  const [state, setState] = useState('');
  const [filter, setFilter] = useState({ email: '', state: '' });
  const [pages, setPages] = useState<string[]>(['']);
  const cursor = pages[pages.length - 1] ?? '';
  const query = new URLSearchParams({ campaign: props.campaignId, limit: '25' });
  if (filter.email) query.set('email', filter.email);
  if (filter.state) query.set('state', filter.state);
  if (cursor) query.set('after', cursor);
  const list = useLoad(
    () => api<Page<Preorder>>('GET', `/v1/preorders?${query}`),
    [`${query}`, props.version],
  );
  const search = (event: Event) => {
    event.preventDefault();
    setFilter({ email: email.trim(), state });
    setPages(['']);
  };
  return (
    <section>
      <search>
        <form class="inline-form" onSubmit={search} aria-label="Search pre-orders">
          <div class="row">
            <Field label="Customer email">
              {(id) => (
                <input id={id} type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
              )}
            </Field>
            <Field label="State">
              {(id) => (
                <select id={id} value={state} onChange={(e) => setState(e.currentTarget.value)}>
                  <option value="">Any</option>
                  {PREORDER_STATES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button type="submit">Search</button>
          </div>
        </form>
      </search>
      <Refusal error={list.error} />
      <table class="list">
        <caption>Pre-orders in queue order</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Customer</th>
            <th scope="col">SKU</th>
            <th scope="col">Units</th>
            <th scope="col">Total</th>
            <th scope="col">State</th>
            <th scope="col">Promise</th>
          </tr>
        </thead>
        <tbody>
          {list.value?.data.length === 0 && (
            <tr>
              <td colSpan={7}>No pre-orders match.</td>
            </tr>
          )}
          {list.value?.data.map((p) => (
            <tr key={p.id}>
              <td>{p.queuePosition}</td>
              <td>
                <a href={`#/preorders/${p.id}`}>{p.email}</a>
              </td>
              <td>{p.sku}</td>
              <td>{p.quantity}</td>
              <td>{money(p.total)}</td>
              <td>
                <span class={`status ${p.state}`}>{p.state}</span>
              </td>
              <td>{p.promise?.message ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pages={pages} setPages={setPages} nextCursor={list.value?.nextCursor} />
      <CsvExport campaignId={props.campaignId} />
    </section>
  );
}

/** POST /v1/exports: the ready pre-orders for fulfilment, as a CSV file the browser saves. */
function CsvExport(props: { campaignId: string }) {
  const [file, setFile] = useState<{ url: string; rows: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const exportNow = async () => {
    setRunning(true);
    setError(null);
    try {
      const csv = await apiText('POST', '/v1/exports', { campaignId: props.campaignId, format: 'csv' });
      if (file) URL.revokeObjectURL(file.url);
      const rows = csv.split('\n').filter((line) => line.trim() !== '').length - 1;
      setFile({ url: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), rows: Math.max(rows, 0) });
    } catch (caught) {
      setError(caught);
    } finally {
      setRunning(false);
    }
  };
  return (
    <div class="export">
      <button type="button" onClick={exportNow} disabled={running}>
        {running ? 'Exporting…' : 'Export ready pre-orders (CSV)'}
      </button>
      {file && (
        <p role="status">
          {count(file.rows)} rows exported.{' '}
          <a href={file.url} download={`presell-${props.campaignId}.csv`}>
            Save the CSV file
          </a>
        </p>
      )}
      <Refusal error={error} />
    </div>
  );
}

interface Ledger {
  entries: { kind: string; amount: { amount: number; currency: string }; createdAt: string }[];
  refundable: { amount: number; currency: string };
}

interface EventRow {
  id: string;
  type: string;
  createdAt: string;
}

export function PreorderPage(props: { id: string }) {
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  const detail = useLoad(() => api<PreorderDetail>('GET', `/v1/preorders/${props.id}`), [props.id, version]);
  const ledger = useLoad(() => api<Ledger>('GET', `/v1/preorders/${props.id}/ledger`), [props.id, version]);
  const events = useLoad(
    () => api<Page<EventRow>>('GET', `/v1/events?subject=${props.id}&limit=100`),
    [props.id, version],
  );
  const [reason, setReason] = useState('');
  const [refund, setRefund] = useState('policy');
  const [refundAmount, setRefundAmount] = useState('');
  const p = detail.value;
  if (detail.error) return <Refusal error={detail.error} />;
  if (!p) return <p aria-busy="true">Loading…</p>;
  const live = p.state !== 'cancelled' && p.state !== 'fulfilled';
  return (
    <section class="preorder">
      <p>
        <a href={`#/campaigns/${p.campaignId}/preorders`}>← The campaign’s pre-orders</a>
      </p>
      <h2>
        {p.email} — {p.quantity} × {p.sku}
      </h2>
      <dl class="cash">
        <div>
          <dt>State</dt>
          <dd data-figure="state">{p.state}</dd>
        </div>
        <div>
          <dt>Queue position</dt>
          <dd>{p.queuePosition}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{money(p.total)}</dd>
        </div>
        <div>
          <dt>Charged</dt>
          <dd>{money(p.money.charged)}</dd>
        </div>
        <div>
          <dt>Refunded</dt>
          <dd data-figure="refunded">{money(p.money.refunded)}</dd>
        </div>
        <div>
          <dt>Outstanding</dt>
          <dd>{money(p.money.outstanding)}</dd>
        </div>
        <div>
          <dt>Promise</dt>
          <dd>{p.promise?.message ?? '—'}</dd>
        </div>
      </dl>

      {live && (
        <div class="moves">
          <Confirm
            label="Cancel and refund"
            question="Cancel this pre-order? Its units go back on sale and the refund is sent."
            confirmLabel="Cancel the pre-order"
            danger
            action={async () => {
              await api('POST', `/v1/preorders/${p.id}/cancel`, { reason, refund }, idempotencyKey());
              changed();
            }}
          >
            <Field label="Reason">
              {(id) => <input id={id} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}
            </Field>
            <Field label="Refund">
              {(id) => (
                <select id={id} value={refund} onChange={(e) => setRefund(e.currentTarget.value)}>
                  <option value="policy">What the cancellation policy gives</option>
                  <option value="full">Everything paid</option>
                  <option value="none">Nothing</option>
                </select>
              )}
            </Field>
          </Confirm>
          {p.state === 'balance_due' && (
            <Confirm
              label="Charge the balance"
              question={`Charge ${money(p.money.outstanding)} to the saved card now?`}
              action={async () => {
                await api('POST', `/v1/preorders/${p.id}/charge-balance`, undefined, idempotencyKey());
                changed();
              }}
            />
          )}
          {p.state === 'ready' && (
            <Confirm
              label="Mark fulfilled"
              question="Record that every unit has shipped?"
              action={async () => {
                await api('POST', `/v1/preorders/${p.id}/fulfil`, {});
                changed();
              }}
            />
          )}
        </div>
      )}

      {ledger.value && ledger.value.refundable.amount > 0 && (
        <div class="moves">
          <Confirm
            label="Refund"
            question={`Give money back without cancelling? Up to ${money(ledger.value.refundable)} can be refunded.`}
            confirmLabel="Send the refund"
            action={async () => {
              const currency = ledger.value?.refundable.currency ?? p.total.currency;
              await api(
                'POST',
                `/v1/preorders/${p.id}/refunds`,
                {
                  reason,
                  ...(refundAmount.trim() === '' ? {} : { amount: minorUnits(refundAmount, currency) }),
                },
                idempotencyKey(),
              );
              setRefundAmount('');
              changed();
            }}
          >
            <Field label="Refund reason">
              {(id) => <input id={id} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}
            </Field>
            <Field label="Amount" hint="Empty: everything still refundable">
              {(id, described) => (
                <input
                  id={id}
                  inputMode="decimal"
                  aria-describedby={described}
                  value={refundAmount}
                  onInput={(e) => setRefundAmount(e.currentTarget.value)}
                />
              )}
            </Field>
          </Confirm>
        </div>
      )}

      <h3>Ledger</h3>
      <Refusal error={ledger.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Movement</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {ledger.value?.entries.map((entry) => (
            <tr key={`${entry.kind}-${entry.createdAt}`}>
              <td>{instant(entry.createdAt)}</td>
              <td>{entry.kind}</td>
              <td>{money(entry.amount)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Promise history</h3>
      <ul class="timeline">
        {p.promiseHistory.map((entry) => (
          <li key={entry.at + entry.cause}>
            {instant(entry.at)}: {entry.cause}
            {entry.newWindow && ` → ${entry.newWindow.from} to ${entry.newWindow.to}`}
            {entry.reason && ` (${entry.reason})`}
          </li>
        ))}
      </ul>

      <h3>Events and emails</h3>
      <Refusal error={events.error} />
      <ul class="timeline">
        {events.value?.data.map((event) => (
          <li key={event.id}>
            {instant(event.createdAt)}: {event.type}
          </li>
        ))}
      </ul>
    </section>
  );
}
