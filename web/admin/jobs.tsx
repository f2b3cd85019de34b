/** Long actions the API runs as bulk jobs (bulk cancel, CSV imports): started here, followed to the end. */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';
import { count } from './format.ts';
import type { Job } from './types.ts';
import { Field, Refusal } from './ui.tsx';

const FINISHED: readonly Job['status'][] = ['done', 'refused'];

/** How often a running job is read again. */
const POLL_MS = 1000;

/**
 * A job followed until it finishes: a progress bar (items done or refused of all), read again every second,
 * then what it did and the first items it refused.
 */
export function JobProgress(props: { jobId: string; label: string; finished?: () => void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const current = await api<Job>('GET', `/v1/jobs/${props.jobId}`);
        if (stopped) return;
        setJob(current);
        if (FINISHED.includes(current.status)) {
          props.finished?.();
          return;
        }
      } catch (caught) {
        if (!stopped) setError(caught);
        return;
      }
      timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.jobId]);
  const barId = `job-${props.jobId}`;
  const finished = job !== null && FINISHED.includes(job.status);
  return (
    <div class="job">
      <label for={barId}>{props.label}</label>{' '}
      {/* No value while the job is still being staged: the bar says "working" without a share. */}
      <progress
        id={barId}
        max={Math.max(job?.total ?? 0, 1)}
        {...(job && job.status !== 'staging'
          ? { value: finished ? Math.max(job.total, 1) : job.done + job.failed }
          : {})}
      />{' '}
      {job && (
        <span data-job-status={job.status}>
          {count(job.done)} done, {count(job.failed)} refused, {count(job.left)} left
        </span>
      )}
      <p role="status">
        {finished &&
          (job.status === 'refused'
            ? 'Refused: all or nothing, and an item was refused, so none was applied.'
            : `Finished: ${count(job.done)} of ${count(job.total)} done.`)}
      </p>
      {job && job.failures.length > 0 && (
        <ul class="failures">
          {job.failures.map((failure) => (
            <li key={`${failure.line}-${failure.code}`}>
              {failure.line !== null && `Line ${failure.line}: `}
              {failure.message} ({failure.code})
            </li>
          ))}
        </ul>
      )}
      <Refusal error={error} />
    </div>
  );
}

/** A CSV file sent to an import route; the job it starts is followed with a progress bar. */
export function CsvImport(props: { label: string; path: string; hint: string; finished?: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const start = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setError(null);
    try {
      const job = await api<Job>('POST', props.path, file);
      setJobId(job.id);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="inline-form" onSubmit={start} aria-label={props.label}>
      <div class="row">
        <Field label={`${props.label} (CSV file)`} hint={props.hint}>
          {(id, described) => (
            <input
              id={id}
              type="file"
              accept=".csv,text/csv"
              aria-describedby={described}
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
            />
          )}
        </Field>
        <button type="submit" disabled={!file}>
          {props.label}
        </button>
      </div>
      <Refusal error={error} />
      {jobId && <JobProgress key={jobId} jobId={jobId} label={props.label} finished={props.finished} />}
    </form>
  );
}
