/** The supply plan: batches with dates, buffers and states; add, resize, receive; the delay wizard. */
import { useState } from 'preact/hooks';
import { ApiError, api } from './api.ts';
import { count, day, money } from './format.ts';
import { CsvImport } from './jobs.tsx';
import type { Batch, Campaign, SlipPreview } from './types.ts';
import { Confirm, Field, Refusal, TextField, useLoad } from './ui.tsx';

export function SupplyScreen(props: { campaign: Campaign; changed: () => void }) {
  const id = props.campaign.id;
  const batches = useLoad(() => api<{ data: Batch[] }>('GET', `/v1/campaigns/${id}/batches`), [id]);
  const [delaying, setDelaying] = useState<Batch | null>(null);
  const changed = () => {
    batches.reload();
    props.changed();
  };
  return (
    <section>
      <Refusal error={batches.error} />
      <table class="list">
        <caption>Batches</caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Units</th>
            <th scope="col">Ready</th>
            <th scope="col">Buffer</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {batches.value?.data.map((batch) => (
            <tr key={batch.id}>
              <td>{batch.sku}</td>
              <td>
                {batch.state === 'received'
                  ? `${count(batch.quantityReceived)} of ${count(batch.quantity)} received`
                  : count(batch.quantity)}
              </td>
              <td>{day(batch.readyDate)}</td>
              <td>{batch.bufferDays} days</td>
              <td>{batch.state}</td>
              <td class="actions">
                {batch.state !== 'received' && (
                  <>
                    <Resize campaignId={id} batch={batch} changed={changed} />
                    <Confirm
                      label="Receive"
                      question={`Receive all ${batch.quantity} units of ${batch.sku}? Waiting pre-orders are allocated and balances fall due.`}
                      action={async () => {
                        await api('PATCH', `/v1/campaigns/${id}/batches/${batch.id}`, { state: 'received' });
                        changed();
                      }}
                    />
                    <button type="button" onClick={() => setDelaying(batch)}>
                      Delay
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {delaying && (
        <DelayWizard
          campaignId={id}
          batch={delaying}
          done={() => {
            setDelaying(null);
            changed();
          }}
        />
      )}
      <NewBatch campaign={props.campaign} created={changed} />
      <CsvImport
        label="Import stock"
        path="/v1/stock/import"
        hint="Columns: sku, on_hand (units on the shelf now, for any of the shop's variants)"
        finished={changed}
      />
    </section>
  );
}

function Resize(props: { campaignId: string; batch: Batch; changed: () => void }) {
  const [quantity, setQuantity] = useState(String(props.batch.quantity));
  return (
    <Confirm
      label="Resize"
      question={`New quantity for this batch of ${props.batch.sku}; promises are made again from it.`}
      confirmLabel="Save quantity"
      action={async () => {
        await api('PATCH', `/v1/campaigns/${props.campaignId}/batches/${props.batch.id}`, {
          quantity: Number(quantity),
        });
        props.changed();
      }}
    >
      <TextField label="Units" inputMode="numeric" value={quantity} onValue={setQuantity} />
    </Confirm>
  );
}

function NewBatch(props: { campaign: Campaign; created: () => void }) {
  const [sku, setSku] = useState(props.campaign.variants[0]?.sku ?? '');
  const [quantity, setQuantity] = useState('');
  const [readyDate, setReadyDate] = useState('');
  const [bufferDays, setBufferDays] = useState('');
  const [error, setError] = useState<unknown>(null);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const add = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await api('POST', `/v1/campaigns/${props.campaign.id}/batches`, {
        sku,
        quantity: Number(quantity),
        readyDate,
        ...(bufferDays.trim() === '' ? {} : { bufferDays: Number(bufferDays) }),
      });
      setQuantity('');
      setReadyDate('');
      props.created();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="inline-form" onSubmit={add} noValidate aria-label="Add a batch">
      <h3>Add a batch</h3>
      <div class="row">
        <Field label="Batch SKU" error={issue('sku')}>
          {(id) => (
            <select id={id} value={sku} onChange={(e) => setSku(e.currentTarget.value)}>
              {props.campaign.variants.map((v) => (
                <option key={v.sku} value={v.sku}>
                  {v.sku}
                </option>
              ))}
            </select>
          )}
        </Field>
        <TextField
          label="Batch units"
          error={issue('quantity')}
          inputMode="numeric"
          value={quantity}
          onValue={setQuantity}
        />
        <TextField
          label="Ready date"
          error={issue('readyDate')}
          type="date"
          value={readyDate}
          onValue={setReadyDate}
        />
        <TextField
          label="Buffer days"
          error={issue('bufferDays')}
          hint="Empty: the campaign's"
          inputMode="numeric"
          value={bufferDays}
          onValue={setBufferDays}
        />
        <button type="submit">Add batch</button>
      </div>
      <Refusal error={error} />
    </form>
  );
}

/** New date and reason → what the slip would do → confirm: the same reason goes with the change. */
function DelayWizard(props: { campaignId: string; batch: Batch; done: () => void }) {
  const [readyDate, setReadyDate] = useState(props.batch.readyDate);
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<SlipPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const path = `/v1/campaigns/${props.campaignId}/batches/${props.batch.id}`;
  const ask = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      setPreview(await api<SlipPreview>('POST', `${path}/slip-preview`, { readyDate, reason }));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section class="wizard" aria-labelledby="delay-title">
      <h3 id="delay-title">
        Delay the batch of {props.batch.sku} ready {day(props.batch.readyDate)}
      </h3>
      <ol class="steps">
        <li aria-current={preview ? undefined : 'step'}>New date and reason</li>
        <li aria-current={preview ? 'step' : undefined}>Impact and confirmation</li>
      </ol>
      {!preview ? (
        <form onSubmit={ask} noValidate>
          <TextField
            label="New ready date"
            error={issue('readyDate')}
            type="date"
            value={readyDate}
            onValue={setReadyDate}
          />
          <Field label="Reason (customers read it)" error={issue('reason')}>
            {(id, described) => (
              <textarea
                id={id}
                aria-describedby={described}
                value={reason}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            )}
          </Field>
          <Refusal error={error} />
          <div class="actions">
            <button type="submit" class="primary">
              Preview the impact
            </button>
            <button type="button" onClick={props.done}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div>
          <dl class="impact">
            <div>
              <dt>Pre-orders whose date moves</dt>
              <dd data-figure="moved">{count(preview.moved)}</dd>
            </div>
            <div>
              <dt>Of them told by email</dt>
              <dd>{count(preview.announced)}</dd>
            </div>
            <div>
              <dt>Asked to consent (past their first promise)</dt>
              <dd>{count(preview.pastFirstPromise.preorders)}</dd>
            </div>
            <div>
              <dt>Left without a date</dt>
              <dd>{count(preview.losePromise)}</dd>
            </div>
            <div>
              <dt>Money paid by those who move</dt>
              <dd>{money({ amount: preview.money.paid, currency: preview.currency })}</dd>
            </div>
            <div>
              <dt>Expected cancellations</dt>
              <dd>{count(preview.expectedCancellations.preorders)}</dd>
            </div>
          </dl>
          <Confirm
            label="Apply the delay"
            question={`Move the ready date from ${day(preview.readyDate.from)} to ${day(preview.readyDate.to)} and tell ${preview.announced} customers?`}
            confirmLabel="Yes, delay"
            danger
            action={async () => {
              await api('PATCH', path, { readyDate, reason });
              props.done();
            }}
          />
          <button type="button" onClick={() => setPreview(null)}>
            Back
          </button>
        </div>
      )}
    </section>
  );
}
