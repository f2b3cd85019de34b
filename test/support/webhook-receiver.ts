/**
 * A webhook receiver on a loopback port that checks every delivery the way a receiver following the
 * Standard Webhooks specification does, written from the specification's text and nothing of ours: the
 * three headers, the timestamp within five minutes, one of the space-separated `v1,` signatures equal (in
 * constant time) to the base64 HMAC-SHA256, keyed with the base64-decoded secret after `whsec_`, of
 * `{webhook-id}.{webhook-timestamp}.{raw body}`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  /** The path and query it was sent to: tells endpoints on one receiver apart. */
  path: string;
  id: string;
  timestamp: number;
  body: string;
  payload: {
    type: string;
    timestamp: string;
    data: { id: string; subjectId: string; data: Record<string, unknown> };
  };
  /** Whether a signature verified with the secret the test holds. */
  verified: boolean;
  /** How many signatures the header carried. */
  signatures: number;
}

export function verifyStandardWebhook(
  headers: Record<string, string | string[] | undefined>,
  body: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - seconds) > toleranceSeconds) return false;
  if (!secret.startsWith('whsec_')) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The secrets a delivery may be signed with (the test sets them as the API hands them out). */
  secrets: string[];
  /** The status to answer next (default 204). */
  answer: (delivery: Received) => number;
  /** The clock the receiver checks timestamps against, in seconds. */
  now: () => number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    secrets: [],
    answer: () => 204,
    now: () => Math.floor(Date.now() / 1000),
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signatures = String(request.headers['webhook-signature'] ?? '')
        .split(' ')
        .filter(Boolean).length;
      const delivery: Received = {
        path: request.url ?? '',
        id: String(request.headers['webhook-id']),
        timestamp: Number(request.headers['webhook-timestamp']),
        body,
        payload: JSON.parse(body),
        verified: receiver.secrets.some((secret) =>
          verifyStandardWebhook(request.headers, body, secret, receiver.now()),
        ),
        signatures,
      };
      const status = receiver.answer(delivery);
      if (status >= 200 && status < 300) receiver.received.push(delivery);
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
