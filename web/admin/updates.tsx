/** A campaign's progress updates: write one, schedule it, and watch it go out. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.ts';
import { instant, instantFromInput, timeZone } from './format.ts';
import { Confirm, Field, Refusal, TextField, useLoad } from './ui.tsx';

interface ProgressUpdate {
  id: string;
  subject: string;
  status: 'draft' | 'scheduled' | 'sending' | 'sent';
  sendAt: string | null;
  progress: { recipients: number | null; sent: number; failed: number; left: number | null };
  createdAt: string;
}

export function UpdatesScreen(props: { campaignId: string }) {
  const list = useLoad(
    () => api<{ data: ProgressUpdate[] }>('GET', `/v1/campaigns/${props.campaignId}/updates`),
    [props.campaignId],
  );
  const going = list.value?.data.some((u) => u.status === 'sending' || u.status === 'scheduled');
  // While an update goes out, its progress is read again every few seconds.
  useEffect(() => {
    if (!going) return;
    const timer = setInterval(list.reload, 3000);
    return () => clearInterval(timer);
  }, [going]);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [sendAt, setSendAt] = useState('');
  const [error, setError] = useState<unknown>(null);
  const issue = (path: string) => (error instanceof ApiError ? error.issueAt(path) : undefined);
  const write = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await api('POST', `/v1/campaigns/${props.campaignId}/updates`, {
        subject,
        body,
        ...(sendAt ? { sendAt: instantFromInput(sendAt) } : {}),
      });
      setSubject('');
      setBody('');
      list.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section>
      <Refusal error={list.error} />
      <table class="list">
        <caption>Progress updates</caption>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {list.value?.data.map((update) => (
            <tr key={update.id}>
              <td>{update.subject}</td>
              <td>
                {update.status}
                {update.sendAt && ` (${instant(update.sendAt)})`}
              </td>
              <td>
                {update.progress.recipients === null ? (
                  '—'
                ) : (
                  <>
                    <progress
                      max={Math.max(update.progress.recipients, 1)}
                      value={
                        update.status === 'sent'
                          ? Math.max(update.progress.recipients, 1)
                          : update.progress.sent + update.progress.failed
                      }
                      aria-label={`Sending “${update.subject}”`}
                    />{' '}
                    {update.progress.sent} of {update.progress.recipients} sent, {update.progress.failed}{' '}
                    failed
                    {update.progress.left !== null && `, ${update.progress.left} left`}
                  </>
                )}
              </td>
              <td>
                {update.status === 'draft' && (
                  <Confirm
                    label="Send now"
                    question="Send this update to every customer of the campaign now?"
                    action={async () => {
                      await api('POST', `/v1/updates/${update.id}/schedule`);
                      list.reload();
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form" onSubmit={write} noValidate aria-label="Write a progress update">
        <h3>Write a progress update</h3>
        <TextField label="Update subject" error={issue('subject')} value={subject} onValue={setSubject} />
        <Field label="Update text" error={issue('body')} hint="Plain text; a blank line starts a paragraph">
          {(id, described) => (
            <textarea
              id={id}
              rows={6}
              aria-describedby={described}
              value={body}
              onInput={(e) => setBody(e.currentTarget.value)}
            />
          )}
        </Field>
        <TextField
          label={`Send at (${timeZone()})`}
          error={issue('sendAt')}
          hint="Empty: a draft you send when you choose"
          type="datetime-local"
          value={sendAt}
          onValue={setSendAt}
        />
        <Refusal error={error} />
        <button type="submit">Save update</button>
      </form>
    </section>
  );
}
