/**
 * The hosted checkout in the shopper's browser. It talks only to the public storefront API: it places
 * the pre-order with its address (units held), pays with the provider's client step (the test card form,
 * or Stripe's Payment Element), then confirms. Every refusal is shown in the shopper's words, with the
 * fields kept, so they can fix it and go on.
 */

type Provider = { kind: 'test' } | { kind: 'stripe'; publishableKey: string } | { kind: 'none' };

interface Config {
  key: string;
  sku: string;
  locale: string;
  provider: Provider;
  back: string | null;
  texts: {
    pay: string;
    saveCard: string;
    bankText: string;
    queue: string;
    reference: string;
    working: string;
    errors: Record<string, string>;
  };
}

interface Money {
  amount: number;
  currency: string;
}

interface Placed {
  id: string;
  email: string;
  quantity: number;
  queuePosition: number;
  total: Money;
  state: string;
  promise: { message: string } | null;
  payment?: { status: string; clientSecret: string | null; code: string | null };
  due: { now: Money; later: Money; message: string | null };
}

interface ApiError {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const config = JSON.parse(document.getElementById('presell-checkout')?.textContent ?? '{}') as Config;
const { texts } = config;
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const details = byId<HTMLFormElement>('details');
const payment = byId<HTMLFormElement>('payment');
const status = byId<HTMLElement>('status');
/** One key per placement the shopper means: a retry after a lost answer gets the same pre-order. */
let idempotencyKey = crypto.randomUUID();
let placed: Placed | null = null;
let stripeConfirm: (() => Promise<string | null>) | null = null;

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));
}

function formatMoney(value: Money): string {
  const format = new Intl.NumberFormat(config.locale, { style: 'currency', currency: value.currency });
  return format.format(value.amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

async function api<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'presell-key': config.key, ...headers },
      body: JSON.stringify(body),
    });
  } catch {
    throw refusal('provider_unavailable');
  }
  const answer = (await response.json().catch(() => ({}))) as T | ApiError;
  if (!response.ok) throw answer as ApiError;
  return answer as T;
}

function refusal(code: string): ApiError {
  return { error: { code, message: code } };
}

/** The shopper's words for a refusal: how many are left, the limit, what to do about the card. */
function explain(error: unknown): string {
  const { code, details: facts } = (error as ApiError).error ?? { code: 'unknown' };
  const left = Number(facts?.unitsLeft ?? 0);
  if (code === 'sold_out' && left > 0) return fill(texts.errors.only_some_left ?? '', { count: left });
  if (code === 'per_customer_limit')
    return fill(texts.errors.per_customer_limit ?? '', { limit: String(facts?.limit ?? '') });
  if (code === 'validation_failed') return texts.errors.invalid_fields ?? '';
  if (code === 'invalid_request') return texts.errors.not_a_test_card ?? '';
  return texts.errors[code] ?? texts.errors.unknown ?? code;
}

function busy(form: HTMLFormElement, working: boolean) {
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  button.disabled = working;
  status.textContent = working ? texts.working : '';
}

/** Marks the fields the browser's own checks refuse, and moves to the first. */
function checkFields(form: HTMLFormElement): boolean {
  let first: HTMLInputElement | null = null;
  for (const field of form.querySelectorAll<HTMLInputElement>('input, select')) {
    const valid = field.checkValidity() && (field.required ? field.value.trim() !== '' : true);
    field.setAttribute('aria-invalid', String(!valid));
    if (!valid && !first) first = field;
  }
  first?.focus();
  return first === null;
}

function showError(id: string, message: string) {
  const element = byId(id);
  element.textContent = '';
  // Set anew so that the alert is announced again when the same refusal comes twice.
  requestAnimationFrame(() => {
    element.textContent = message;
  });
}

details.addEventListener('input', () => {
  // Other details are another placement: a new key, so it is not refused as a different body.
  idempotencyKey = crypto.randomUUID();
});

details.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!checkFields(details)) return showError('details-error', texts.errors.invalid_fields ?? '');
  const value = (name: string) => (details.elements.namedItem(name) as HTMLInputElement).value.trim();
  busy(details, true);
  try {
    placed = await api<Placed>(
      '/v1/storefront/checkouts',
      {
        sku: config.sku,
        quantity: Number(value('quantity')),
        email: value('email'),
        locale: config.locale,
        shippingAddress: {
          name: value('name'),
          line1: value('line1'),
          line2: value('line2') || null,
          postalCode: value('postalCode'),
          city: value('city'),
          country: value('country'),
        },
      },
      { 'idempotency-key': idempotencyKey },
    );
    await toPayment(placed);
  } catch (error) {
    showError('details-error', explain(error));
  } finally {
    busy(details, false);
  }
});

async function toPayment(order: Placed) {
  const step = order.payment;
  if (!step?.clientSecret || order.state !== 'placed') return done(order);
  details.hidden = true;
  byId('due-total').textContent = formatMoney(order.total);
  byId('due-now').textContent = formatMoney(order.due.now);
  byId('due-later').textContent = formatMoney(order.due.later);
  byId('due-later-row').hidden = order.due.later.amount === 0;
  byId('due-terms').textContent = order.due.message ?? '';
  byId('pay').textContent =
    order.due.now.amount > 0 ? fill(texts.pay, { amount: formatMoney(order.due.now) }) : texts.saveCard;
  payment.hidden = false;
  if (config.provider.kind === 'stripe')
    stripeConfirm = await mountStripe(config.provider.publishableKey, step.clientSecret);
  (payment.querySelector('input, button') as HTMLElement | null)?.focus();
}

payment.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!placed?.payment?.clientSecret) return;
  if (config.provider.kind === 'test' && !checkFields(payment)) return;
  busy(payment, true);
  try {
    const refused =
      config.provider.kind === 'stripe' && stripeConfirm
        ? await stripeConfirm()
        : await payWithTestCard(placed.payment.clientSecret);
    if (refused) return showError('payment-error', refused);
    const confirmed = await api<Placed>(`/v1/storefront/preorders/${placed.id}/confirm`, undefined);
    if (confirmed.state === 'placed') return showError('payment-error', texts.errors.unknown ?? '');
    done({ ...placed, ...confirmed });
  } catch (error) {
    showError('payment-error', explain(error));
  } finally {
    busy(payment, false);
  }
});

/** The test provider's card step; a 3-D Secure card asks the test bank first. Returns why it failed, if it did. */
async function payWithTestCard(clientSecret: string): Promise<string | null> {
  const card = (payment.elements.namedItem('card') as HTMLInputElement).value;
  let step: { status: string; code: string | null };
  try {
    step = await api('/v1/storefront/test-payments/confirm', { clientSecret, card });
  } catch (error) {
    // Paid already (an answer lost on the way back, a second click): the confirm that follows says so.
    const code = (error as ApiError).error?.code;
    if (code === 'not_found' || code === 'invalid_state') return null;
    throw error;
  }
  if (step.status === 'requires_action') {
    const outcome = await askBank();
    step = await api('/v1/storefront/test-payments/authenticate', { clientSecret, outcome });
  }
  return step.code ? explain(refusal(step.code)) : null;
}

function askBank(): Promise<'authenticated' | 'failed'> {
  const dialog = byId<HTMLDialogElement>('bank');
  byId('bank-text').textContent = fill(texts.bankText, { amount: formatMoney(placed?.due.now as Money) });
  dialog.showModal();
  return new Promise((resolve) => {
    const answer = (outcome: 'authenticated' | 'failed') => () => {
      dialog.close();
      resolve(outcome);
    };
    byId('bank-confirm').onclick = answer('authenticated');
    byId('bank-fail').onclick = answer('failed');
    dialog.oncancel = answer('failed');
  });
}

interface StripeJs {
  elements(options: { clientSecret: string; locale: string }): {
    create(kind: 'payment'): { mount(at: string): void };
  };
  confirmPayment(options: unknown): Promise<{ error?: { message?: string } }>;
  confirmSetup(options: unknown): Promise<{ error?: { message?: string } }>;
}

/** Stripe's Payment Element, from Stripe's own script; returns the call that pays (a message when refused). */
async function mountStripe(
  publishableKey: string,
  clientSecret: string,
): Promise<() => Promise<string | null>> {
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'https://js.stripe.com/v3/';
    script.onload = () => resolve();
    script.onerror = () => reject(refusal('provider_unavailable'));
    document.head.append(script);
  });
  const stripe = (window as unknown as { Stripe: (key: string) => StripeJs }).Stripe(publishableKey);
  const elements = stripe.elements({ clientSecret, locale: config.locale.split('-')[0] ?? 'auto' });
  elements.create('payment').mount('#payment-element');
  return async () => {
    const options = { elements, redirect: 'if_required' };
    const { error } = clientSecret.startsWith('seti_')
      ? await stripe.confirmSetup(options)
      : await stripe.confirmPayment(options);
    return error ? (error.message ?? texts.errors.unknown ?? '') : null;
  };
}

function done(order: Placed) {
  details.hidden = true;
  payment.hidden = true;
  const section = byId('done');
  byId('done-queue').textContent = fill(texts.queue, { position: order.queuePosition });
  byId('done-promise').textContent = order.promise?.message ?? '';
  byId('done-paid').textContent = formatMoney(order.due.now);
  byId('done-later').textContent = formatMoney(order.due.later);
  byId('done-later-row').hidden = order.due.later.amount === 0;
  // The summary spoke of ordering; what is ordered is in the confirmation now.
  byId('summary').hidden = true;
  byId('done-reference').textContent = `${fill(texts.reference, { email: order.email })} · ${order.id}`;
  section.hidden = false;
  section.focus();
}
