/**
 * The admin API from the browser. The secret key lives in this module's memory only: never in storage,
 * so closing the tab signs out.
 */

export interface Money {
  amount: number;
  currency: string;
}

export interface Issue {
  path: (string | number)[];
  expected?: string;
  received?: unknown;
  message: string;
}

/** A refusal of the API: its stable code, its words, and for a 400 the fields at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[],
    /** The one field a rule's refusal names (`details.field`: `invalid_shop`, `currency_in_use`, …). */
    readonly field?: string,
  ) {
    super(message);
  }

  /** The message of the field at `path` (e.g. `earlyBird.0.price.amount`), if the refusal names it. */
  issueAt(path: string): string | undefined {
    return (
      this.issues.find((issue) => issue.path.join('.') === path)?.message ??
      (this.field === path ? this.message : undefined)
    );
  }
}

let secretKey: string | null = null;

export function signIn(key: string): void {
  secretKey = key;
}

export function signOut(): void {
  secretKey = null;
}

export const signedIn = (): boolean => secretKey !== null;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function send(method: Method, path: string, body?: unknown, headers: Record<string, string> = {}) {
  // A file is a CSV import and goes as it is (a browser may type a .csv file otherwise); anything else as JSON.
  const file = body instanceof Blob;
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${secretKey ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': file ? 'text/csv' : 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: file ? body : JSON.stringify(body) }),
  });
  if (!response.ok) {
    const answer = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string; details?: { issues?: Issue[]; field?: unknown } };
    };
    throw new ApiError(
      response.status,
      answer.error?.code ?? 'http_error',
      answer.error?.message ?? `${response.status} ${response.statusText}`,
      answer.error?.details?.issues ?? [],
      typeof answer.error?.details?.field === 'string' ? answer.error.details.field : undefined,
    );
  }
  return response;
}

export async function api<T>(method: Method, path: string, body?: unknown, headers?: Record<string, string>) {
  return (await (await send(method, path, body, headers)).json()) as T;
}

/** A text answer (CSV). */
export async function apiText(method: Method, path: string, body?: unknown): Promise<string> {
  return (await send(method, path, body)).text();
}

/** A key for a POST that moves money: one per action the merchant confirms, so a retry is not a second one. */
export function idempotencyKey(): Record<string, string> {
  return { 'idempotency-key': `admin-${crypto.randomUUID()}` };
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
