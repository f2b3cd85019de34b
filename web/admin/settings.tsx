/**
 * Settings: the shop (name, currency, time zone, locale, branding), its email and alert settings, the payment
 * provider (read only: the server's environment sets it), its keys and its webhook endpoints.
 */
import { useState } from 'preact/hooks';
import { ApiError, api, type Page, signIn } from './api.ts';
import { instant, setShopTimeZone } from './format.ts';
import { Confirm, Field, Refusal, TextField, useLoad } from './ui.tsx';

interface CommunicationSettings {
  senderName: string | null;
  replyTo: string | null;
  alertEmails: string[];
  portalLinkDays: number;
  balanceReminderDays: number;
  cancellationAlert: { percent: number; windowDays: number };
  readyDateAlertDays: number;
}

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  secret?: string;
}

export function SettingsScreen() {
  return (
    <section>
      <h2>Settings</h2>
      <ShopSettings />
      <EmailSettings />
      <PaymentProvider />
      <Keys />
      <WebhookEndpoints />
    </section>
  );
}

interface Shop {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  locale: string;
  wording: { locale: string; language: string; fallback: boolean };
  brandName: string | null;
  accentColor: string | null;
  logoUrl: string | null;
  createdAt: string;
}

function ShopSettings() {
  const loaded = useLoad(() => api<Shop>('GET', '/v1/shop'), []);
  if (loaded.error) return <Refusal error={loaded.error} />;
  if (!loaded.value) return <p aria-busy="true">Loading…</p>;
  return <ShopSettingsForm shop={loaded.value} />;
}

/** Every IANA zone this browser knows, offered as the merchant types. */
const TIME_ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

function ShopSettingsForm(props: { shop: Shop }) {
  const [shop, setShop] = useState(props.shop);
  const [name, setName] = useState(shop.name);
  const [currency, setCurrency] = useState(shop.currency);
  const [timeZone, setTimeZone] = useState(shop.timeZone);
  const [locale, setLocale] = useState(shop.locale);
  const [brandName, setBrandName] = useState(shop.brandName ?? '');
  const [accentColor, setAccentColor] = useState(shop.accentColor ?? '');
  const [logoUrl, setLogoUrl] = useState(shop.logoUrl ?? '');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const saved = await api<Shop>('PATCH', '/v1/shop', {
        name,
        currency: currency.trim(),
        timeZone: timeZone.trim(),
        locale: locale.trim(),
        brandName: brandName.trim() || null,
        accentColor: accentColor.trim() || null,
        logoUrl: logoUrl.trim() || null,
      });
      setShopTimeZone(saved.timeZone);
      setShop(saved);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    }
  };
  const { wording } = shop;
  return (
    <form class="panel" onSubmit={save} noValidate aria-labelledby="shop-title">
      <h3 id="shop-title">Shop</h3>
      <div class="row">
        <TextField label="Shop name" error={issue('name')} value={name} onValue={setName} />
        <TextField
          label="Currency"
          error={issue('currency')}
          hint="ISO 4217, e.g. EUR; fixed once the shop has campaigns"
          value={currency}
          onValue={setCurrency}
        />
      </div>
      <div class="row">
        <TextField
          label="Time zone"
          error={issue('timeZone')}
          hint="IANA, e.g. Europe/Berlin: the shop’s days and dates"
          list="time-zones"
          value={timeZone}
          onValue={setTimeZone}
        />
        <TextField
          label="Locale"
          error={issue('locale')}
          hint="BCP 47, e.g. de-DE; texts exist in en, de, fr and ja"
          value={locale}
          onValue={setLocale}
        />
      </div>
      <datalist id="time-zones">
        {TIME_ZONES.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <p data-figure="wording">
        {wording.fallback
          ? `${shop.locale} has no texts of its own: customers read English (${wording.locale}).`
          : `Customers read texts, dates and amounts in ${wording.locale}.`}
      </p>
      <p>
        Created{' '}
        <time data-figure="shop-created" dateTime={shop.createdAt}>
          {instant(shop.createdAt)}
        </time>
        , shop time ({shop.timeZone})
      </p>
      <h4>Branding</h4>
      <div class="row">
        <TextField
          label="Brand name"
          error={issue('brandName')}
          hint="What customers read in emails, the portal and the checkout; empty: the shop name"
          value={brandName}
          onValue={setBrandName}
        />
        <TextField
          label="Accent colour"
          error={issue('accentColor')}
          hint="#rrggbb for buttons; empty: Presell’s blue"
          value={accentColor}
          onValue={setAccentColor}
        />
        <TextField
          label="Logo URL"
          error={issue('logoUrl')}
          hint="https:// address of an image; empty: the name alone"
          value={logoUrl}
          onValue={setLogoUrl}
        />
      </div>
      <Refusal error={error} />
      <button type="submit" class="primary">
        Save shop
      </button>
      {saved && <p role="status">Shop saved.</p>}
    </form>
  );
}

interface PaymentProviderSettings {
  provider: string | null;
  mode: 'test' | 'live' | null;
  webhookUrl: string | null;
  balanceRetryDays: number[];
  placementTimeoutMinutes: number;
  configuredBy: string[];
}

function PaymentProvider() {
  const loaded = useLoad(() => api<PaymentProviderSettings>('GET', '/v1/payment-provider'), []);
  const settings = loaded.value;
  return (
    <section class="panel" aria-labelledby="payments-title">
      <h3 id="payments-title">Payment provider</h3>
      <Refusal error={loaded.error} />
      {settings && (
        <>
          <dl class="facts">
            <dt>Provider</dt>
            <dd data-figure="payment-provider">
              {settings.provider === null
                ? 'none: placements hold units and take no payment'
                : `${settings.provider} (${settings.mode === 'live' ? 'live: real money' : 'test mode'})`}
            </dd>
            <dt>Webhook URL</dt>
            <dd>{settings.webhookUrl ? <code>{settings.webhookUrl}</code> : '—'}</dd>
            <dt>Failed balances retried</dt>
            <dd>
              {settings.balanceRetryDays.length === 0
                ? 'never'
                : `after ${settings.balanceRetryDays.join(', ')} days; then the pre-order is cancelled`}
            </dd>
            <dt>First payment awaited</dt>
            <dd>{settings.placementTimeoutMinutes} minutes</dd>
          </dl>
          <p class="hint">
            The server’s environment sets these, never this screen: {settings.configuredBy.join(', ')}. Change
            them where the server runs and restart it (<code>presell serve --help</code> explains each).
          </p>
        </>
      )}
    </section>
  );
}

function EmailSettings() {
  const loaded = useLoad(() => api<CommunicationSettings>('GET', '/v1/communication/settings'), []);
  if (loaded.error) return <Refusal error={loaded.error} />;
  if (!loaded.value) return <p aria-busy="true">Loading…</p>;
  return <EmailSettingsForm settings={loaded.value} />;
}

function EmailSettingsForm(props: { settings: CommunicationSettings }) {
  const s = props.settings;
  const [senderName, setSenderName] = useState(s.senderName ?? '');
  const [replyTo, setReplyTo] = useState(s.replyTo ?? '');
  const [alertEmails, setAlertEmails] = useState(s.alertEmails.join(', '));
  const [percent, setPercent] = useState(String(s.cancellationAlert.percent));
  const [windowDays, setWindowDays] = useState(String(s.cancellationAlert.windowDays));
  const [reminderDays, setReminderDays] = useState(String(s.balanceReminderDays));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api('PATCH', '/v1/communication/settings', {
        senderName: senderName.trim() || null,
        replyTo: replyTo.trim() || null,
        alertEmails: alertEmails
          .split(',')
          .map((address) => address.trim())
          .filter(Boolean),
        balanceReminderDays: Number(reminderDays),
        cancellationAlert: { percent: Number(percent), windowDays: Number(windowDays) },
      });
      setSaved(true);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="panel" onSubmit={save} noValidate aria-labelledby="email-title">
      <h3 id="email-title">Email and alerts</h3>
      <div class="row">
        <TextField
          label="Sender name"
          error={issue('senderName')}
          hint="Empty: the shop’s name"
          value={senderName}
          onValue={setSenderName}
        />
        <TextField
          label="Reply-to address"
          error={issue('replyTo')}
          type="email"
          value={replyTo}
          onValue={setReplyTo}
        />
      </div>
      <TextField
        label="Alert addresses"
        error={issue('alertEmails')}
        hint="Comma-separated"
        value={alertEmails}
        onValue={setAlertEmails}
      />
      <div class="row">
        <TextField
          label="Cancellation alert (%)"
          error={issue('cancellationAlert.percent')}
          inputMode="decimal"
          value={percent}
          onValue={setPercent}
        />
        <TextField
          label="Over the last days"
          error={issue('cancellationAlert.windowDays')}
          inputMode="numeric"
          value={windowDays}
          onValue={setWindowDays}
        />
        <TextField
          label="Balance reminder (days before)"
          error={issue('balanceReminderDays')}
          inputMode="numeric"
          value={reminderDays}
          onValue={setReminderDays}
        />
      </div>
      <Refusal error={error} />
      <button type="submit" class="primary">
        Save settings
      </button>
      {saved && <p role="status">Saved.</p>}
    </form>
  );
}

interface ApiKey {
  id: string;
  kind: 'secret' | 'publishable';
  hint: string;
  createdAt: string;
  expiresAt: string | null;
}

function Keys() {
  const list = useLoad(() => api<{ data: ApiKey[] }>('GET', '/v1/keys'), []);
  const [kind, setKind] = useState<ApiKey['kind']>('publishable');
  const [overlapHours, setOverlapHours] = useState('0');
  const [made, setMade] = useState<{ kind: ApiKey['kind']; key: string } | null>(null);
  return (
    <section class="panel" aria-labelledby="keys-title">
      <h3 id="keys-title">API keys</h3>
      <Refusal error={list.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Ends in</th>
            <th scope="col">Made</th>
            <th scope="col">Stops</th>
          </tr>
        </thead>
        <tbody>
          {list.value?.data.map((key) => (
            <tr key={key.id}>
              <td>{key.kind}</td>
              <td>…{key.hint}</td>
              <td>{instant(key.createdAt)}</td>
              <td>{key.expiresAt ? instant(key.expiresAt) : 'current'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        <Field label="Key to replace">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value as ApiKey['kind'])}>
              <option value="publishable">Publishable (pk_…, in the store’s pages)</option>
              <option value="secret">Secret (sk_…, this app and your servers)</option>
            </select>
          )}
        </Field>
        <TextField
          label="Old key keeps working (hours)"
          hint="0: it stops at once, as for a key that leaked"
          inputMode="numeric"
          value={overlapHours}
          onValue={setOverlapHours}
        />
        <Confirm
          label="Rotate key"
          question={`Make a new ${kind} key? Everything using the old one must get the new one.`}
          confirmLabel="Make the new key"
          danger
          action={async () => {
            const rotated = await api<{ key: string }>('POST', '/v1/keys/rotate', {
              kind,
              overlapSeconds: Math.round(Number(overlapHours) * 3600),
            });
            // This app goes on with the new secret key; the old one may already have stopped.
            if (kind === 'secret') signIn(rotated.key);
            setMade({ kind, key: rotated.key });
            list.reload();
          }}
        />
      </div>
      {made && (
        <p role="status">
          The new {made.kind} key, shown this once: <code>{made.key}</code>
        </p>
      )}
    </section>
  );
}

function WebhookEndpoints() {
  const list = useLoad(() => api<Page<Endpoint>>('GET', '/v1/webhook-endpoints?limit=100'), []);
  const [url, setUrl] = useState('');
  const [eventTypes, setEventTypes] = useState('preorder.*');
  const [created, setCreated] = useState<Endpoint | null>(null);
  const [error, setError] = useState<unknown>(null);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const add = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const endpoint = await api<Endpoint>('POST', '/v1/webhook-endpoints', {
        url,
        eventTypes: eventTypes
          .split(',')
          .map((type) => type.trim())
          .filter(Boolean),
      });
      setCreated(endpoint);
      setUrl('');
      list.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section class="panel" aria-labelledby="webhooks-title">
      <h3 id="webhooks-title">Webhook endpoints</h3>
      <Refusal error={list.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {list.value?.data.map((endpoint) => (
            <tr key={endpoint.id}>
              <td>{endpoint.url}</td>
              <td>{endpoint.eventTypes.join(', ')}</td>
              <td>
                {endpoint.status}
                {endpoint.disabledReason && ` (${endpoint.disabledReason})`}
              </td>
              <td>
                <Confirm
                  label="Remove"
                  question={`Remove ${endpoint.url}? It gets no more events.`}
                  danger
                  action={async () => {
                    await api('DELETE', `/v1/webhook-endpoints/${endpoint.id}`);
                    list.reload();
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={add} noValidate aria-label="Add a webhook endpoint">
        <div class="row">
          <TextField label="Endpoint URL" error={issue('url')} type="url" value={url} onValue={setUrl} />
          <TextField
            label="Event types"
            error={issue('eventTypes')}
            hint="Comma-separated; preorder.* for a family"
            value={eventTypes}
            onValue={setEventTypes}
          />
          <button type="submit">Add endpoint</button>
        </div>
      </form>
      <Refusal error={error} />
      {created?.secret && (
        <p role="status">
          Signing secret of {created.url}, shown this once: <code>{created.secret}</code>
        </p>
      )}
    </section>
  );
}
