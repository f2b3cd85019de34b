/**
 * bench/email: a progress update to a campaign's customers, sent to an SMTP server on loopback. Presell's
 * sender (src/notify/progress-sender.ts: recipients claimed from PostgreSQL in chunks, each message rendered
 * from the shop's Liquid template, sent over pooled connections, answers recorded) against the baseline
 * measured in the same run: nodemailer alone sending the same messages, composed beforehand by the sender's
 * own function, through a transport with the same options. Also the cost of composing one message. See
 * docs/benchmarks.md.
 *
 *   npm run bench:email -- [--customers 10000] [--runs 3]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { type Mail, nodemailerMessage, smtpOptions, smtpTransport } from '../src/notify/mailer.ts';
import { sampleModel } from '../src/notify/preview.ts';
import { progressEmails, sendDueProgressUpdates } from '../src/notify/progress-sender.ts';
import { defaultTemplate, renderTemplate } from '../src/notify/templates.ts';
import { createCampaign } from '../src/services/campaigns.ts';
import { getCommunicationSettings, portalSecret } from '../src/services/communication-settings.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { createProgressUpdate } from '../src/services/progress-updates.ts';
import { createShop } from '../src/services/shops.ts';
import { createVariant } from '../src/services/variants.ts';
import { scratchDatabase } from '../test/support/databases.ts';
import { freePort } from '../test/support/ports.ts';

const { values: options } = parseArgs({
  options: { customers: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } },
});
const CUSTOMERS = Number(options.customers);
const RUNS = Number(options.runs);
if (!Number.isInteger(CUSTOMERS) || CUSTOMERS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  throw new Error('--customers and --runs take positive whole numbers');
}
const CONNECTIONS = 5;

// The mail server: takes every message and throws it away, as fast as it can.
let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('end', () => {
      received += 1;
      callback();
    });
    stream.resume();
  },
});
const port = await freePort();
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
const smtpUrl = `smtp://127.0.0.1:${port}`;

const scratch = await scratchDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const db = await openDatabase({ url: scratch.url, poolSize: 4 });
try {
  await migrate(db);
  const ctx: ServiceContext = { db, clock: () => new Date() };
  const { shop } = await createShop(ctx, {
    name: 'Bench & Co.',
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    locale: 'en-GB',
  });
  await createVariant(ctx, shop.id, { sku: 'BENCH', name: 'Bench lamp' });
  const campaign = await createCampaign(ctx, shop, {
    name: 'Bench launch',
    mode: 'preorder',
    price: { amount: 12_900, currency: 'EUR' },
    variants: [{ sku: 'BENCH', cap: null }],
  });
  await db.query(
    `INSERT INTO preorders (id, shop_id, campaign_id, variant_id, email, quantity, queue_position, unit_amount,
       total_amount, currency, price_lines, state, payment_terms)
     SELECT 'po_bench' || lpad(n::text, 8, '0'), $1, $2, $3, 'customer' || n || '@example.com', 1, n, 12900,
       12900, 'EUR', '[]', 'confirmed', '{"kind":"full"}'
     FROM generate_series(1, $4) AS n`,
    [shop.id, campaign.id, campaign.variants[0]?.variantId, CUSTOMERS],
  );
  await db.query('ANALYZE preorders');
  const update = {
    subject: 'Production is under way',
    body: 'The moulds are done and the first lamps came off the line today.\n\nAssembly runs through the month; we will write again when the first batch ships.',
  };
  const mail: Mail = {
    transport: smtpTransport(smtpUrl, { maxConnections: CONNECTIONS }),
    fromAddress: 'orders@bench.test',
    publicUrl: 'https://bench.test',
  };
  const now = new Date();
  const signer = {
    publicUrl: 'https://bench.test',
    secret: await portalSecret(db, shop.id, now),
    linkDays: 30,
    now,
  };
  const emails = Array.from({ length: CUSTOMERS }, (_, i) => `customer${i + 1}@example.com`);
  const template = defaultTemplate('progress_update', 'en');
  // What the sender sends each customer, composed by the sender's own function.
  const composer = async (updateId: string) =>
    progressEmails({
      shop,
      campaignName: campaign.name,
      update: { id: updateId, ...update },
      template,
      settings: await getCommunicationSettings(db, shop.id, now),
      signer,
      fromAddress: mail.fromAddress,
    });

  // The same messages, prepared before the baseline's clock starts.
  const prepare = async (updateId: string) => {
    const compose = await composer(updateId);
    return emails.map((email) => nodemailerMessage(compose(email), mail.fromAddress));
  };

  const ours: number[] = [];
  const baseline: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Presell: from a scheduled update to every recipient sent and recorded.
    await createProgressUpdate(ctx, shop, campaign.id, { ...update, sendAt: new Date() });
    const before = received;
    let started = performance.now();
    let report = { sent: 0, failed: 0 };
    while (report.sent < CUSTOMERS) {
      const pass = await sendDueProgressUpdates(ctx, mail, { budgetMs: 600_000 });
      report = { sent: report.sent + pass.sent, failed: report.failed + pass.failed };
      if (pass.sent === 0) throw new Error(`the sender stopped at ${report.sent}`);
    }
    ours.push((CUSTOMERS / (performance.now() - started)) * 1000);
    if (received - before !== CUSTOMERS)
      throw new Error(`the server got ${received - before}, not ${CUSTOMERS}`);

    // nodemailer alone, the same messages over the same pool.
    const messages = await prepare(`baseline-${run}`);
    const transporter = nodemailer.createTransport(
      smtpOptions(smtpUrl, { maxConnections: CONNECTIONS }) as never,
    );
    started = performance.now();
    await Promise.all(messages.map((message) => transporter.sendMail(message)));
    baseline.push((CUSTOMERS / (performance.now() - started)) * 1000);
    transporter.close();
  }
  await mail.transport.close();

  // Rendering alone: a progress update and a confirmation (with its worded promise and money), per message.
  const renderCost = (render: (i: number) => unknown) => {
    for (let i = 0; i < 500; i++) render(i);
    const started = performance.now();
    for (let i = 0; i < 5_000; i++) render(i);
    return ((performance.now() - started) / 5_000) * 1000;
  };
  const composeProgress = await composer('render');
  const progressRender = renderCost((i) => composeProgress(`c${i}@example.com`));
  const confirmation = defaultTemplate('confirmation', 'en');
  const confirmationRender = renderCost(() =>
    renderTemplate(confirmation, sampleModel(shop, 'confirmation', signer)),
  );

  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const fmt = (value: number) => value.toFixed(0).padStart(7);
  console.log(
    `\n${CUSTOMERS.toLocaleString('en')} customers, ${RUNS} runs, ${CONNECTIONS} SMTP connections, PostgreSQL ${scratch.url.replace(/\/\/[^@]*@/, '//')}`,
  );
  console.log('what                                              median msg/s   best msg/s');
  console.log(
    `nodemailer alone, prepared messages (baseline)   ${fmt(median(baseline))}       ${fmt(Math.max(...baseline))}`,
  );
  console.log(
    `Presell progress update (claim, render, send)     ${fmt(median(ours))}       ${fmt(Math.max(...ours))}`,
  );
  console.log(
    `ratio (goal at least 0.5×)                        ${(median(ours) / median(baseline)).toFixed(2)}×`,
  );
  console.log(`composing one progress update (links + template) ${progressRender.toFixed(0)} µs`);
  console.log(`rendering one confirmation (model + template)     ${confirmationRender.toFixed(0)} µs`);
} finally {
  await db.close();
  await scratch.drop();
  server.close();
}
