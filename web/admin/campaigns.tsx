/** Campaigns: the list with status and key figures, the editor, and the moves of a campaign. */
import { useState } from 'preact/hooks';
import { ApiError, api, type Page } from './api.ts';
import { count, instantFromInput, majorUnits, minorUnits, money, timeZone, zonedInput } from './format.ts';
import {
  type Campaign,
  type EarlyBirdTier,
  type PaymentTerms,
  PREORDER_STATES,
  type PromiseSettings,
} from './types.ts';
import { Confirm, Field, Pager, Refusal, TextField, useLoad } from './ui.tsx';

export function CampaignList() {
  const [pages, setPages] = useState<string[]>(['']);
  const cursor = pages[pages.length - 1] ?? '';
  const list = useLoad(
    () => api<Page<Campaign>>('GET', `/v1/campaigns?limit=20${cursor ? `&after=${cursor}` : ''}`),
    [cursor],
  );
  return (
    <section>
      <div class="heading">
        <h2>Campaigns</h2>
        <a class="button primary" href="#/campaigns/new">
          New campaign
        </a>
      </div>
      <Refusal error={list.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Price</th>
            <th scope="col">Units held</th>
          </tr>
        </thead>
        <tbody>
          {list.value?.data.map((campaign) => {
            const cap = campaign.variants.every((v) => v.cap !== null)
              ? campaign.variants.reduce((sum, v) => sum + (v.cap ?? 0), 0)
              : null;
            return (
              <tr key={campaign.id}>
                <td>
                  <a href={`#/campaigns/${campaign.id}`}>{campaign.name}</a>
                </td>
                <td>
                  <span class={`status ${campaign.status}`}>{campaign.status}</span>
                </td>
                <td>{money(campaign.price)}</td>
                <td>
                  {count(campaign.unitsHeld)}
                  {cap !== null && ` of ${count(cap)}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Pager pages={pages} setPages={setPages} nextCursor={list.value?.nextCursor} />
    </section>
  );
}

interface Draft {
  name: string;
  mode: 'preorder' | 'backorder';
  price: string;
  currency: string;
  opensAt: string;
  closesAt: string;
  perCustomerLimit: string;
  terms: PaymentTerms['kind'];
  depositPercent: string;
  /** The deposit terms as loaded: what the form does not show (the balance's due date) is kept. */
  loadedTerms: PaymentTerms | null;
  tiers: { name: string; firstUnits: string; price: string; loaded?: EarlyBirdTier }[];
  variants: { sku: string; cap: string }[];
  bufferDays: string;
  fulfilment: PromiseSettings['policy'];
  toleranceDays: string;
  beyondSupply: PromiseSettings['beyondSupply'];
  /** `always`, `state:<state>` or `date`. */
  fullRefundUntil: string;
  fullRefundDate: string;
  oversell: Campaign['oversellPolicy'];
}

const numberOrNull = (typed: string) => (typed.trim() === '' ? null : Number(typed));

function draftOf(campaign: Campaign | undefined): Draft {
  if (!campaign) {
    return {
      name: '',
      mode: 'preorder',
      price: '',
      currency: 'EUR',
      opensAt: '',
      closesAt: '',
      perCustomerLimit: '',
      terms: 'full',
      depositPercent: '20',
      loadedTerms: null,
      tiers: [],
      variants: [{ sku: '', cap: '' }],
      bufferDays: '7',
      fulfilment: 'split',
      toleranceDays: '0',
      beyondSupply: 'to_be_confirmed',
      fullRefundUntil: 'state:allocated',
      fullRefundDate: '',
      oversell: 'cancel',
    };
  }
  const until = campaign.cancellationPolicy.fullRefundUntil;
  const currency = campaign.price.currency;
  return {
    name: campaign.name,
    mode: campaign.mode,
    price: majorUnits(campaign.price),
    currency,
    opensAt: zonedInput(campaign.opensAt),
    closesAt: zonedInput(campaign.closesAt),
    perCustomerLimit: campaign.perCustomerLimit?.toString() ?? '',
    terms: campaign.paymentTerms.kind,
    depositPercent:
      campaign.paymentTerms.kind === 'deposit' ? String(campaign.paymentTerms.percent ?? '') : '20',
    loadedTerms: campaign.paymentTerms,
    tiers: campaign.earlyBird.map((tier) => ({
      name: tier.name,
      firstUnits: tier.firstUnits?.toString() ?? '',
      price: tier.unitAmount == null ? '' : majorUnits({ amount: tier.unitAmount, currency }),
      loaded: tier,
    })),
    variants: campaign.variants.map((v) => ({ sku: v.sku, cap: v.cap?.toString() ?? '' })),
    bufferDays: String(campaign.promiseSettings.bufferDays),
    fulfilment: campaign.promiseSettings.policy,
    toleranceDays: String(campaign.promiseSettings.toleranceDays),
    beyondSupply: campaign.promiseSettings.beyondSupply,
    fullRefundUntil: until === null ? 'always' : until.kind === 'date' ? 'date' : `state:${until.state}`,
    fullRefundDate: until?.kind === 'date' ? until.date : '',
    oversell: campaign.oversellPolicy,
  };
}

/** The request body the API takes; what is typed is sent as it is, so the API's messages name the fields. */
function bodyOf(draft: Draft, creating: boolean) {
  const loadedDeposit = draft.loadedTerms?.kind === 'deposit' ? draft.loadedTerms : {};
  const terms: PaymentTerms =
    draft.terms === 'deposit'
      ? { ...loadedDeposit, kind: 'deposit', percent: numberOrNull(draft.depositPercent), amount: null }
      : { kind: draft.terms };
  const earlyBird: EarlyBirdTier[] = draft.tiers.map((tier) => ({
    ...tier.loaded,
    name: tier.name,
    firstUnits: numberOrNull(tier.firstUnits),
    unitAmount: tier.price.trim() === '' ? null : minorUnits(tier.price, draft.currency),
  }));
  return {
    name: draft.name,
    ...(creating ? { mode: draft.mode } : {}),
    price: { amount: minorUnits(draft.price, draft.currency), currency: draft.currency.toUpperCase() },
    opensAt: instantFromInput(draft.opensAt),
    closesAt: instantFromInput(draft.closesAt),
    perCustomerLimit: numberOrNull(draft.perCustomerLimit),
    paymentTerms: terms,
    earlyBird,
    variants: draft.variants.map((v) => ({ sku: v.sku, cap: numberOrNull(v.cap) })),
    promiseSettings: {
      bufferDays: numberOrNull(draft.bufferDays),
      policy: draft.fulfilment,
      toleranceDays: numberOrNull(draft.toleranceDays),
      beyondSupply: draft.beyondSupply,
    },
    cancellationPolicy: {
      fullRefundUntil:
        draft.fullRefundUntil === 'always'
          ? null
          : draft.fullRefundUntil === 'date'
            ? { kind: 'date', date: draft.fullRefundDate }
            : { kind: 'state', state: draft.fullRefundUntil.slice('state:'.length) },
    },
    oversellPolicy: draft.oversell,
  };
}

/** A change sends only what the merchant changed: what the form cannot show stays as it is. */
function changesOf(body: Record<string, unknown>, loaded: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(body).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(loaded[key])),
  );
}

export function CampaignEditor(props: { campaign?: Campaign; saved: (campaign: Campaign) => void }) {
  const creating = props.campaign === undefined;
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.campaign));
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const set = (changes: Partial<Draft>) => setDraft({ ...draft, ...changes });
  const setTier = (index: number, changes: Partial<Draft['tiers'][number]>) =>
    set({ tiers: draft.tiers.map((tier, i) => (i === index ? { ...tier, ...changes } : tier)) });
  const setVariant = (index: number, changes: Partial<Draft['variants'][number]>) =>
    set({ variants: draft.variants.map((v, i) => (i === index ? { ...v, ...changes } : v)) });

  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    setSaved(false);
    try {
      const body = bodyOf(draft, creating);
      const campaign = creating
        ? await api<Campaign>('POST', '/v1/campaigns', body)
        : await api<Campaign>(
            'PATCH',
            `/v1/campaigns/${props.campaign?.id}`,
            changesOf(body, bodyOf(draftOf(props.campaign), false)),
          );
      setSaved(true);
      props.saved(campaign);
    } catch (caught) {
      setError(caught);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="editor" onSubmit={save} noValidate>
      <TextField
        label="Name"
        error={issue('name')}
        value={draft.name}
        onValue={(value) => set({ name: value })}
      />
      {creating && (
        <Field label="Mode" error={issue('mode')}>
          {(id) => (
            <select
              id={id}
              value={draft.mode}
              onChange={(e) => set({ mode: e.currentTarget.value as Draft['mode'] })}
            >
              <option value="preorder">Pre-order (a new product)</option>
              <option value="backorder">Backorder (sold out, coming back)</option>
            </select>
          )}
        </Field>
      )}
      <div class="row">
        <TextField
          label="Price"
          error={issue('price.amount')}
          inputMode="decimal"
          value={draft.price}
          onValue={(value) => set({ price: value })}
        />
        <TextField
          label="Currency"
          error={issue('price.currency')}
          maxLength={3}
          value={draft.currency}
          onValue={(value) => set({ currency: value })}
        />
        <TextField
          label="Per-customer limit"
          error={issue('perCustomerLimit')}
          hint="Empty: no limit"
          inputMode="numeric"
          value={draft.perCustomerLimit}
          onValue={(value) => set({ perCustomerLimit: value })}
        />
      </div>
      <div class="row">
        <TextField
          label={`Opens at (${timeZone()})`}
          error={issue('opensAt')}
          type="datetime-local"
          value={draft.opensAt}
          onValue={(value) => set({ opensAt: value })}
        />
        <TextField
          label={`Closes at (${timeZone()})`}
          error={issue('closesAt')}
          type="datetime-local"
          value={draft.closesAt}
          onValue={(value) => set({ closesAt: value })}
        />
      </div>
      <div class="row">
        <Field label="Payment terms" error={issue('paymentTerms')}>
          {(id) => (
            <select
              id={id}
              value={draft.terms}
              onChange={(e) => set({ terms: e.currentTarget.value as Draft['terms'] })}
            >
              <option value="full">Paid in full at order</option>
              <option value="deposit">Deposit now, balance later</option>
              <option value="later">Card saved, charged at release</option>
            </select>
          )}
        </Field>
        {draft.terms === 'deposit' && (
          <TextField
            label="Deposit (%)"
            error={issue('paymentTerms.percent')}
            inputMode="decimal"
            value={draft.depositPercent}
            onValue={(value) => set({ depositPercent: value })}
          />
        )}
      </div>

      <fieldset>
        <legend>Promises</legend>
        <div class="row">
          <TextField
            label="Buffer days"
            error={issue('promiseSettings.bufferDays')}
            hint="Added to a batch's ready date"
            inputMode="numeric"
            value={draft.bufferDays}
            onValue={(value) => set({ bufferDays: value })}
          />
          <Field label="Shipping" error={issue('promiseSettings.policy')}>
            {(id) => (
              <select
                id={id}
                value={draft.fulfilment}
                onChange={(e) => set({ fulfilment: e.currentTarget.value as Draft['fulfilment'] })}
              >
                <option value="split">Units ship as their batch arrives</option>
                <option value="ship_complete">A pre-order waits for its last unit</option>
              </select>
            )}
          </Field>
          <TextField
            label="Quiet moves (days)"
            error={issue('promiseSettings.toleranceDays')}
            hint="Promise moves this small are not announced"
            inputMode="numeric"
            value={draft.toleranceDays}
            onValue={(value) => set({ toleranceDays: value })}
          />
          <Field label="Beyond planned supply" error={issue('promiseSettings.beyondSupply')}>
            {(id) => (
              <select
                id={id}
                value={draft.beyondSupply}
                onChange={(e) => set({ beyondSupply: e.currentTarget.value as Draft['beyondSupply'] })}
              >
                <option value="to_be_confirmed">Keep selling, date to be confirmed</option>
                <option value="sold_out">Sold out</option>
              </select>
            )}
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Cancellations and store orders</legend>
        <div class="row">
          <Field label="Full refund until" error={issue('cancellationPolicy.fullRefundUntil')}>
            {(id) => (
              <select
                id={id}
                value={draft.fullRefundUntil}
                onChange={(e) => set({ fullRefundUntil: e.currentTarget.value })}
              >
                <option value="always">Always a full refund</option>
                {PREORDER_STATES.filter((state) => state !== 'placed' && state !== 'cancelled').map(
                  (state) => (
                    <option key={state} value={`state:${state}`}>
                      Before it is {state.replace('_', ' ')}
                    </option>
                  ),
                )}
                <option value="date">Until a date</option>
              </select>
            )}
          </Field>
          {draft.fullRefundUntil === 'date' && (
            <TextField
              label="Full refund date"
              error={issue('cancellationPolicy.fullRefundUntil.date')}
              type="date"
              value={draft.fullRefundDate}
              onValue={(value) => set({ fullRefundDate: value })}
            />
          )}
          <Field label="Store orders beyond the cap" error={issue('oversellPolicy')}>
            {(id) => (
              <select
                id={id}
                value={draft.oversell}
                onChange={(e) => set({ oversell: e.currentTarget.value as Draft['oversell'] })}
              >
                <option value="cancel">Cancel and refund them</option>
                <option value="accept">Accept them at the end of the queue</option>
              </select>
            )}
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Variants and caps</legend>
        {draft.variants.map((variant, index) => (
          <div class="row" key={index}>
            <TextField
              label={`SKU ${index + 1}`}
              error={issue(`variants.${index}.sku`)}
              value={variant.sku}
              onValue={(value) => setVariant(index, { sku: value })}
            />
            <TextField
              label={`Cap ${index + 1}`}
              error={issue(`variants.${index}.cap`)}
              hint="Units; empty: no cap"
              inputMode="numeric"
              value={variant.cap}
              onValue={(value) => setVariant(index, { cap: value })}
            />
          </div>
        ))}
        <button type="button" onClick={() => set({ variants: [...draft.variants, { sku: '', cap: '' }] })}>
          Add a variant
        </button>
      </fieldset>

      <fieldset>
        <legend>Early-bird tiers</legend>
        {draft.tiers.map((tier, index) => (
          <div class="row" key={index}>
            <TextField
              label={`Tier ${index + 1} name`}
              error={issue(`earlyBird.${index}.name`)}
              value={tier.name}
              onValue={(value) => setTier(index, { name: value })}
            />
            <TextField
              label={`Tier ${index + 1} first units`}
              error={issue(`earlyBird.${index}.firstUnits`)}
              inputMode="numeric"
              value={tier.firstUnits}
              onValue={(value) => setTier(index, { firstUnits: value })}
            />
            <TextField
              label={`Tier ${index + 1} price`}
              error={issue(`earlyBird.${index}.unitAmount`)}
              inputMode="decimal"
              value={tier.price}
              onValue={(value) => setTier(index, { price: value })}
            />
            <button type="button" onClick={() => set({ tiers: draft.tiers.filter((_, i) => i !== index) })}>
              Remove tier {index + 1}
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() => set({ tiers: [...draft.tiers, { name: 'Early bird', firstUnits: '', price: '' }] })}
        >
          Add an early-bird tier
        </button>
      </fieldset>

      <Refusal error={error} />
      <button type="submit" class="primary" disabled={saving}>
        {saving ? 'Saving…' : creating ? 'Create campaign' : 'Save changes'}
      </button>
      {saved && !creating && <p role="status">Changes saved.</p>}
    </form>
  );
}

/** A variant the campaign can sell: SKUs are the merchant's, made once. */
export function NewVariant() {
  const [sku, setSku] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [made, setMade] = useState<string | null>(null);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await api('POST', '/v1/variants', { sku, name });
      setMade(sku);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="inline-form" onSubmit={create} noValidate aria-label="New variant">
      <h3>New variant</h3>
      <div class="row">
        <TextField label="New variant SKU" error={issue('sku')} value={sku} onValue={setSku} />
        <TextField label="New variant name" error={issue('name')} value={name} onValue={setName} />
        <button type="submit">Create variant</button>
      </div>
      {made && <p role="status">Variant {made} created.</p>}
      <Refusal error={error} />
    </form>
  );
}

const MOVES: {
  move: 'open' | 'pause' | 'close' | 'release';
  when: Campaign['status'][];
  question: string;
}[] = [
  { move: 'open', when: ['draft', 'paused', 'scheduled'], question: 'Open this campaign to shoppers?' },
  {
    move: 'pause',
    when: ['open', 'scheduled'],
    question: 'Pause it? Shoppers cannot pre-order until it opens again.',
  },
  {
    move: 'close',
    when: ['draft', 'scheduled', 'open', 'paused'],
    question: 'Close it for good? A closed campaign takes no pre-orders and cannot be changed.',
  },
  {
    move: 'release',
    when: ['open', 'paused', 'closed'],
    question: 'Mark the product released? Balances due on release and pay-later charges fall due now.',
  },
];

export function CampaignMoves(props: { campaign: Campaign; changed: () => void }) {
  const { campaign } = props;
  return (
    <div class="moves">
      {MOVES.filter(
        (m) => m.when.includes(campaign.status) && !(m.move === 'release' && campaign.releasedAt),
      ).map((m) => (
        <Confirm
          key={m.move}
          label={`${m.move[0]?.toUpperCase()}${m.move.slice(1)}`}
          question={m.question}
          danger={m.move === 'close'}
          action={async () => {
            await api('POST', `/v1/campaigns/${campaign.id}/${m.move}`);
            props.changed();
          }}
        />
      ))}
    </div>
  );
}
