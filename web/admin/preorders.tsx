/**
 * Pre-orders: the table (search, filters by state, batch and payment, pages in queue order), bulk cancel,
 * the CSV export and the shipment import, and one pre-order's page with its emails.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, apiText, idempotencyKey, type Page } from './api.ts';
import { count, day, instant, minorUnits, money } from './format.ts';
import { CsvImport, JobProgress } from './jobs.tsx';
import {
  type Batch,
  type Job,
  PAYMENT_STATUSES,
  PREORDER_STATES,
  type Preorder,
  type PreorderDetail,
  type PreorderEmail,
} from './types.ts';
import { Confirm, Field, Pager, Refusal, TextField, useLoad } from './ui.tsx';

/** A label for each payment status, as the filter and the table show it. */
const PAYMENT_LABELS: Record<Preorder['paymentStatus'], string> = {
  unpaid: 'Unpaid',
  deposit_paid: 'Deposit paid',
  failed: 'Payment failed',
  paid: 'Paid',
  refunded: 'Refunded',
};

const NO_FILTER = { email: '', state: '', batch: '', paymentStatus: '' };

export function PreorderTable(props: { campaignId: string; version: number }) {
  const [chosen, setChosen] = useState(NO_FILTER);
  const [filter, setFilter] = useState(NO_FILTER);
  const [pages, setPages] = useState<string[]>(['']);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [cancelReason, setCancelReason] = useState('');
  const [cancelJob, setCancelJob] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const cursor = pages[pages.length - 1] ?? '';
  const query = new URLSearchParams({ campaign: props.campaignId, limit: '25' });
  for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value);
  if (cursor) query.set('after', cursor);
  const list = useLoad(
    () => api<Page<Preorder>>('GET', `/v1/preorders?${query}`),
    [`${query}`, props.version, version],
  );
  const batches = useLoad(
    () => api<{ data: Batch[] }>('GET', `/v1/campaigns/${props.campaignId}/batches`),
    [props.campaignId],
  );
  const choose = (name: keyof typeof NO_FILTER) => (value: string) => setChosen({ ...chosen, [name]: value });
  const search = (event: Event) => {
    event.preventDefault();
    setFilter({ ...chosen, email: chosen.email.trim() });
    setPages(['']);
    setSelected(new Set());
  };
  const rows = list.value?.data ?? [];
  const cancellable = rows.filter((p) => p.state !== 'cancelled' && p.state !== 'fulfilled');
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const batchName = (batch: Batch) =>
    `${batch.sku}, ready ${day(batch.readyDate)} (${count(batch.quantity)} units)`;
  return (
    <section>
      <search>
        <form class="inline-form" onSubmit={search} aria-label="Search pre-orders">
          <div class="row">
            <TextField label="Customer email" type="email" value={chosen.email} onValue={choose('email')} />
            <Choice label="State" value={chosen.state} onValue={choose('state')}>
              {PREORDER_STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Choice>
            <Choice label="Batch" value={chosen.batch} onValue={choose('batch')}>
              {batches.value?.data.map((batch) => (
                <option key={batch.id} value={batch.id}>
                  {batchName(batch)}
                </option>
              ))}
            </Choice>
            <Choice label="Payment" value={chosen.paymentStatus} onValue={choose('paymentStatus')}>
              {PAYMENT_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {PAYMENT_LABELS[status]}
                </option>
              ))}
            </Choice>
            <button type="submit">Search</button>
          </div>
        </form>
      </search>
      <Refusal error={list.error ?? batches.error} />
      <table class="list">
        <caption>Pre-orders in queue order</caption>
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select every pre-order on this page that can be cancelled"
                checked={cancellable.length > 0 && cancellable.every((p) => selected.has(p.id))}
                onChange={(e) =>
                  setSelected(e.currentTarget.checked ? new Set(cancellable.map((p) => p.id)) : new Set())
                }
              />
            </th>
            <th scope="col">Queue</th>
            <th scope="col">Customer</th>
            <th scope="col">SKU</th>
            <th scope="col">Units</th>
            <th scope="col">Total</th>
            <th scope="col">State</th>
            <th scope="col">Payment</th>
            <th scope="col">Promise</th>
          </tr>
        </thead>
        <tbody>
          {list.value?.data.length === 0 && (
            <tr>
              <td colSpan={9}>No pre-orders match.</td>
            </tr>
          )}
          {rows.map((p) => (
            <tr key={p.id}>
              <td>
                {cancellable.includes(p) && (
                  <input
                    type="checkbox"
                    aria-label={`Select ${p.email}, queue ${p.queuePosition}`}
                    checked={selected.has(p.id)}
                    onChange={() => toggle(p.id)}
                  />
                )}
              </td>
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
              <td data-payment={p.paymentStatus}>{PAYMENT_LABELS[p.paymentStatus]}</td>
              <td>{p.promise?.message ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pages={pages} setPages={setPages} nextCursor={list.value?.nextCursor} />
      {selected.size > 0 && (
        <div class="moves">
          <Confirm
            label={`Cancel ${count(selected.size)} selected`}
            question={`Cancel ${count(selected.size)} pre-orders? Each is refunded as its cancellation policy gives and its units go back on sale.`}
            confirmLabel="Cancel them"
            danger
            action={async () => {
              const job = await api<Job>('POST', '/v1/preorders/bulk-cancel', {
                preorderIds: [...selected],
                reason: cancelReason,
              });
              setSelected(new Set());
              setCancelJob(job.id);
            }}
          >
            <TextField label="Reason" value={cancelReason} onValue={setCancelReason} />
          </Confirm>
        </div>
      )}
      {cancelJob && (
        <JobProgress
          key={cancelJob}
          jobId={cancelJob}
          label="Cancelling pre-orders"
          finished={() => setVersion((v) => v + 1)}
        />
      )}
      <CsvExport
        campaignId={props.campaignId}
        batch={batches.value?.data.find((batch) => batch.id === filter.batch)}
        batchName={batchName}
      />
      <CsvImport
        label="Import shipments"
        path="/v1/shipments/import"
        hint="Columns: order_reference, carrier, tracking_number, shipped_date (quantity, tracking_url optional)"
        finished={() => setVersion((v) => v + 1)}
      />
    </section>
  );
}

/** A select of a filter whose first choice is "Any". */
function Choice(props: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  children: ComponentChildren;
}) {
  return (
    <Field label={props.label}>
      {(id) => (
        <select id={id} value={props.value} onChange={(e) => props.onValue(e.currentTarget.value)}>
          <option value="">Any</option>
          {props.children}
        </select>
      )}
    </Field>
  );
}

/**
 * POST /v1/exports: the ready pre-orders for fulfilment, as a CSV file the browser saves; only the chosen
 * batch's when the table is filtered by one.
 */
function CsvExport(props: {
  campaignId: string;
  batch: Batch | undefined;
  batchName: (batch: Batch) => string;
}) {
  const [file, setFile] = useState<{ url: string; rows: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const exportNow = async () => {
    setRunning(true);
    setError(null);
    try {
      const csv = await apiText('POST', '/v1/exports', {
        campaignId: props.campaignId,
        ...(props.batch ? { batchId: props.batch.id } : {}),
        format: 'csv',
      });
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
        {running
          ? 'Exporting…'
          : props.batch
            ? `Export ready pre-orders of ${props.batchName(props.batch)} (CSV)`
            : 'Export ready pre-orders (CSV)'}
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
  const emails = useLoad(
    () => api<{ data: PreorderEmail[] }>('GET', `/v1/preorders/${props.id}/emails`),
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
          <dt>Payment</dt>
          <dd data-figure="payment">{PAYMENT_LABELS[p.paymentStatus]}</dd>
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
            <TextField label="Reason" value={reason} onValue={setReason} />
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
            <TextField label="Refund reason" value={reason} onValue={setReason} />
            <TextField
              label="Amount"
              hint="Empty: everything still refundable"
              inputMode="decimal"
              value={refundAmount}
              onValue={setRefundAmount}
            />
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

      <h3>Emails</h3>
      <Refusal error={emails.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Message</th>
            <th scope="col">Language</th>
            <th scope="col">To</th>
            <th scope="col">Subject</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {emails.value?.data.length === 0 && (
            <tr>
              <td colSpan={6}>No email has gone out about this pre-order yet.</td>
            </tr>
          )}
          {emails.value?.data.map((email) => (
            <tr key={email.messageId} title={`Message-ID ${email.messageId}`}>
              <td>{instant(email.at)}</td>
              <td>{email.kind}</td>
              <td>{email.language ?? '—'}</td>
              <td>{email.to}</td>
              <td>{email.subject}</td>
              <td>
                <span class={`status ${email.status}`}>{email.status}</span>
                {email.error && ` (${email.error}; it is tried again)`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Events</h3>
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
