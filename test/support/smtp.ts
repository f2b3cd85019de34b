/**
 * A real SMTP server on loopback (smtp-server) that keeps what arrives, parsed by mailparser, for tests
 * to read as a mail client would.
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { freePort } from './ports.ts';

export interface ReceivedMail {
  messageId: string;
  to: string;
  from: string;
  replyTo: string | undefined;
  subject: string;
  html: string;
  text: string;
  /** A header as it arrived, unfolded; undefined when absent. */
  header(name: string): string | undefined;
}

export interface TestInbox {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Messages to one address, oldest first. */
  to(address: string): ReceivedMail[];
  /** Waits until `predicate` holds for what arrived (or fails after `timeoutMs`). */
  waitFor(predicate: (received: ReceivedMail[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** `onData` may hold a message back (e.g. to kill the sender while the server has it but has not answered). */
export async function startInbox(
  options: { onMessage?: (mail: ReceivedMail, count: number) => Promise<void> | void } = {},
): Promise<TestInbox> {
  const received: ReceivedMail[] = [];
  const port = await freePort();
  const settings: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          const mail: ReceivedMail = {
            messageId: parsed.messageId ?? '',
            to: addressesOf(parsed.to),
            from: addressesOf(parsed.from),
            replyTo: parsed.replyTo ? addressesOf(parsed.replyTo) : undefined,
            subject: parsed.subject ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            text: parsed.text ?? '',
            header: (name) => {
              const line = parsed.headerLines.find((each) => each.key === name.toLowerCase())?.line;
              return line
                ?.slice(line.indexOf(':') + 1)
                .replace(/\r?\n\s+/g, ' ')
                .trim();
            },
          };
          received.push(mail);
          await options.onMessage?.(mail, received.length);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  };
  const server = new SMTPServer(settings);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // A sender killed mid-send resets its connections: expected here, not a failure of the server.
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET') throw error;
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    to: (address) => received.filter((mail) => mail.to.includes(address)),
    async waitFor(predicate, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > until) {
          throw new Error(
            `the inbox did not get what was awaited; it has: ${received.map((m) => m.subject).join(' | ')}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function addressesOf(value: ParsedMail['to'] | ParsedMail['from']): string {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.map((entry) => entry.text).join(', ');
}
