/**
 * The merchant's web app at /admin: sign in with the shop's secret key (kept in memory only), then the
 * campaigns, each with its dashboard, editor, supply plan and pre-orders. Screens are chosen by the URL's
 * hash, so the server serves one page.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, signedIn, signIn, signOut } from './api.ts';
import { CampaignEditor, CampaignList, CampaignMoves, NewVariant } from './campaigns.tsx';
import { DashboardScreen } from './dashboard.tsx';
import { setShopTimeZone } from './format.ts';
import { MessagesScreen } from './messages.tsx';
import { PreorderPage, PreorderTable } from './preorders.tsx';
import { SettingsScreen } from './settings.tsx';
import { SupplyScreen } from './supply.tsx';
import type { Campaign } from './types.ts';
import { Field, Refusal, useLoad } from './ui.tsx';
import { UpdatesScreen } from './updates.tsx';

function useHash(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean);
}

function SignIn(props: { done: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    signIn(key.trim());
    try {
      // Reading the shop proves the key, and gives the time zone every date is shown in.
      setShopTimeZone((await api<{ timeZone: string }>('GET', '/v1/shop')).timeZone);
      props.done();
    } catch (caught) {
      signOut();
      setError(caught);
    }
  };
  return (
    <main class="sign-in">
      <h1>Presell</h1>
      <form onSubmit={submit}>
        <Field label="Secret key" hint="sk_…, as `presell demo` prints it. It stays in this tab’s memory.">
          {(id, described) => (
            <input
              id={id}
              type="password"
              autoComplete="off"
              aria-describedby={described}
              value={key}
              onInput={(e) => setKey(e.currentTarget.value)}
            />
          )}
        </Field>
        <Refusal error={error} />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}

const TABS = [
  ['dashboard', 'Dashboard'],
  ['edit', 'Edit'],
  ['supply', 'Supply plan'],
  ['preorders', 'Pre-orders'],
  ['updates', 'Updates'],
] as const;

function CampaignScreen(props: { id: string; tab: string }) {
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  const loaded = useLoad(() => api<Campaign>('GET', `/v1/campaigns/${props.id}`), [props.id, version]);
  const campaign = loaded.value;
  if (loaded.error) return <Refusal error={loaded.error} />;
  if (!campaign || campaign.id !== props.id) return <p aria-busy="true">Loading…</p>;
  const tab = TABS.some(([name]) => name === props.tab) ? props.tab : 'dashboard';
  return (
    <section>
      <div class="heading">
        <h2>
          {campaign.name} <span class={`status ${campaign.status}`}>{campaign.status}</span>
        </h2>
        <CampaignMoves campaign={campaign} changed={changed} />
      </div>
      <nav class="tabs" aria-label="Campaign">
        {TABS.map(([name, label]) => (
          <a
            key={name}
            href={`#/campaigns/${campaign.id}/${name}`}
            aria-current={tab === name ? 'page' : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      {tab === 'dashboard' && <DashboardScreen campaign={campaign} version={version} />}
      {tab === 'edit' && <CampaignEditor key={campaign.id} campaign={campaign} saved={changed} />}
      {tab === 'supply' && <SupplyScreen campaign={campaign} changed={changed} />}
      {tab === 'preorders' && <PreorderTable campaignId={campaign.id} version={version} />}
      {tab === 'updates' && <UpdatesScreen campaignId={campaign.id} />}
    </section>
  );
}

function Screen(props: { path: string[] }) {
  const [first, second, third] = props.path;
  if (first === 'campaigns' && second === 'new') {
    return (
      <section>
        <h2>New campaign</h2>
        <NewVariant />
        <CampaignEditor
          saved={(campaign) => {
            location.hash = `#/campaigns/${campaign.id}/supply`;
          }}
        />
      </section>
    );
  }
  if (first === 'campaigns' && second) return <CampaignScreen id={second} tab={third ?? 'dashboard'} />;
  if (first === 'preorders' && second) return <PreorderPage id={second} />;
  if (first === 'messages') return <MessagesScreen />;
  if (first === 'settings') return <SettingsScreen />;
  return <CampaignList />;
}

function App() {
  const [, setSignedIn] = useState(signedIn());
  const path = useHash();
  if (!signedIn()) return <SignIn done={() => setSignedIn(true)} />;
  return (
    <>
      <header class="bar">
        <h1 class="brand">
          <a href="#/">Presell</a>
        </h1>
        <nav aria-label="Main">
          <a href="#/">Campaigns</a> <a href="#/messages">Messages</a> <a href="#/settings">Settings</a>
        </nav>
        <button
          type="button"
          onClick={() => {
            signOut();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <Screen path={path} />
      </main>
    </>
  );
}

const root = document.getElementById('admin');
if (root) render(<App />, root);
