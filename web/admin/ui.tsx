/** The pieces every screen uses: fields with their inline messages, refusals, and asking first. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

let fieldIds = 0;

export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}) {
  const [id] = useState(() => `field-${++fieldIds}`);
  const describedBy = props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined;
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && !props.error && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={`${id}-error`} class="error-text">
          {props.error}
        </small>
      )}
    </div>
  );
}

/** A one-line text input in a Field, the form most of the app's fields take. */
export function TextField(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  type?: 'date' | 'datetime-local' | 'email' | 'url';
  inputMode?: 'numeric' | 'decimal';
  maxLength?: number;
  /** A datalist's id: suggestions the merchant may pick from. */
  list?: string;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <Field label={props.label} error={props.error} {...(props.hint ? { hint: props.hint } : {})}>
      {(id, described) => (
        <input
          id={id}
          type={props.type}
          inputMode={props.inputMode}
          maxLength={props.maxLength}
          list={props.list}
          aria-describedby={described}
          value={props.value}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/**
 * Pages of a list the API serves with `nextCursor`: `pages` holds the cursor each page was asked with
 * ('' for the first), so going back needs no cursor of its own.
 */
export function Pager(props: {
  pages: string[];
  setPages: (pages: string[]) => void;
  nextCursor: string | null | undefined;
}) {
  const { pages, setPages, nextCursor } = props;
  return (
    <div class="pager">
      {pages.length > 1 && (
        <button type="button" onClick={() => setPages(pages.slice(0, -1))}>
          Previous page
        </button>
      )}
      {nextCursor && (
        <button type="button" onClick={() => setPages([...pages, nextCursor])}>
          Next page
        </button>
      )}
    </div>
  );
}

/** What went wrong, in the API's words (and its code, for the merchant who asks for help). */
export function Refusal(props: { error: unknown }) {
  if (!props.error) return null;
  const error = props.error;
  const text =
    error instanceof ApiError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p class="refusal" role="alert">
      {text}
    </p>
  );
}

/**
 * A button for an action that cannot be taken back: the first press asks, the second one acts.
 * While the action runs it says so.
 */
export function Confirm(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  danger?: boolean;
  action: () => Promise<unknown>;
  children?: ComponentChildren;
}) {
  const [asking, setAsking] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      await props.action();
      setAsking(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setRunning(false);
    }
  };
  if (!asking) {
    return (
      <button type="button" class={props.danger ? 'danger' : ''} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <fieldset class="confirm">
      <legend>{props.question}</legend>
      {props.children}
      <div class="actions">
        <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={running} onClick={run}>
          {running ? 'Working…' : (props.confirmLabel ?? props.label)}
        </button>
        <button type="button" disabled={running} onClick={() => setAsking(false)}>
          Keep as it is
        </button>
      </div>
      <Refusal error={error} />
    </fieldset>
  );
}

/** What `load` answers, loaded again when `deps` change or `reload` is called; a refusal is kept as `error`. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (loaded) => {
        if (!current) return;
        setValue(loaded);
        setError(null);
      },
      (caught: unknown) => {
        if (current) setError(caught);
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, version]);
  return { value, error, reload: () => setVersion((v) => v + 1) };
}
