/** Messages: the email templates with a live preview per language, and the dead letters with retry. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Page } from './api.ts';
import { instant } from './format.ts';
import { Confirm, Field, Refusal, TextField, useLoad } from './ui.tsx';

interface TemplateSource {
  subject: string;
  html: string;
  text: string;
}

interface Template extends TemplateSource {
  kind: string;
  language: string;
  custom: boolean;
}

interface DeadLetter {
  id: string;
  consumer: string;
  eventType: string;
  attempts: number;
  lastError: string;
  failedAt: string;
}

export function MessagesScreen() {
  return (
    <section>
      <h2>Messages</h2>
      <Templates />
      <DeadLetters />
    </section>
  );
}

function Templates() {
  const list = useLoad(
    () => api<{ data: { kind: string; language: string; custom: boolean }[] }>('GET', '/v1/email-templates'),
    [],
  );
  const [kind, setKind] = useState('confirmation');
  const [language, setLanguage] = useState('en');
  const kinds = [...new Set(list.value?.data.map((t) => t.kind))];
  const languages = [...new Set(list.value?.data.map((t) => t.language))];
  return (
    <section class="panel" aria-labelledby="templates-title">
      <h3 id="templates-title">Email templates</h3>
      <Refusal error={list.error} />
      <div class="row">
        <Field label="Message">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {k.replaceAll('_', ' ')}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Language">
          {(id) => (
            <select id={id} value={language} onChange={(e) => setLanguage(e.currentTarget.value)}>
              {languages.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <TemplateEditor key={`${kind}:${language}`} kind={kind} language={language} />
    </section>
  );
}

function TemplateEditor(props: { kind: string; language: string }) {
  const path = `/v1/email-templates/${props.kind}/${props.language}`;
  const loaded = useLoad(() => api<Template>('GET', path), [path]);
  const [draft, setDraft] = useState<TemplateSource | null>(null);
  const [preview, setPreview] = useState<TemplateSource | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  const source = draft ?? loaded.value ?? null;

  // The preview follows the draft, a moment after the typing stops.
  useEffect(() => {
    if (!source) return;
    const timer = setTimeout(() => {
      api<TemplateSource>('POST', `${path}/preview`, {
        template: { subject: source.subject, html: source.html, text: source.text },
      }).then(
        (rendered) => {
          setPreview(rendered);
          setError(null);
        },
        (caught: unknown) => setError(caught),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [path, source?.subject, source?.html, source?.text]);

  if (loaded.error) return <Refusal error={loaded.error} />;
  if (!source) return <p aria-busy="true">Loading…</p>;
  const set = (changes: Partial<TemplateSource>) => {
    setDraft({ ...source, ...changes });
    setSaved('');
  };
  const issue = (field: string) => (error instanceof ApiError ? error.issueAt(field) : undefined);
  return (
    <div class="template">
      <div>
        <p>{loaded.value?.custom ? 'The shop’s own version.' : 'The default version.'}</p>
        <TextField
          label="Subject"
          error={issue('subject')}
          value={source.subject}
          onValue={(value) => set({ subject: value })}
        />
        <Field label="HTML (Liquid)" error={issue('html')}>
          {(id) => (
            <textarea
              id={id}
              rows={10}
              value={source.html}
              onInput={(e) => set({ html: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field label="Text (Liquid)" error={issue('text')}>
          {(id) => (
            <textarea
              id={id}
              rows={6}
              value={source.text}
              onInput={(e) => set({ text: e.currentTarget.value })}
            />
          )}
        </Field>
        <Refusal error={error} />
        <div class="actions">
          <button
            type="button"
            class="primary"
            onClick={async () => {
              try {
                await api('PUT', path, { subject: source.subject, html: source.html, text: source.text });
                setDraft(null);
                loaded.reload();
                setSaved('Saved: customers get this version from now on.');
              } catch (caught) {
                setError(caught);
              }
            }}
          >
            Save template
          </button>
          {loaded.value?.custom && (
            <Confirm
              label="Use the default"
              question="Drop the shop’s own version of this message and use the default again?"
              action={async () => {
                await api('DELETE', path);
                setDraft(null);
                loaded.reload();
              }}
            />
          )}
        </div>
        {saved && <p role="status">{saved}</p>}
      </div>
      <div>
        <h4>Preview with sample data</h4>
        {preview && (
          <>
            <p>
              <strong>{preview.subject}</strong>
            </p>
            <iframe title="Preview of the email" sandbox="" srcdoc={preview.html} class="preview" />
          </>
        )}
      </div>
    </div>
  );
}

function DeadLetters() {
  const list = useLoad(() => api<Page<DeadLetter>>('GET', '/v1/dead-letters?limit=50'), []);
  return (
    <section class="panel" aria-labelledby="dead-title">
      <h3 id="dead-title">Dead letters</h3>
      <p>Deliveries that failed every try. Retry one once its cause is fixed.</p>
      <Refusal error={list.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Failed</th>
            <th scope="col">To</th>
            <th scope="col">Event</th>
            <th scope="col">Last error</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {list.value?.data.length === 0 && (
            <tr>
              <td colSpan={5}>None: every delivery went through.</td>
            </tr>
          )}
          {list.value?.data.map((letter) => (
            <tr key={letter.id}>
              <td>{instant(letter.failedAt)}</td>
              <td>{letter.consumer}</td>
              <td>{letter.eventType}</td>
              <td>
                {letter.lastError} ({letter.attempts} tries)
              </td>
              <td>
                <Confirm
                  label="Retry"
                  question="Deliver it once more?"
                  action={async () => {
                    await api('POST', `/v1/dead-letters/${letter.id}/retry`);
                    list.reload();
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
