/**
 * Fulfilment through the API on both engines: the address taken at placement and changed until export,
 * the export of ready pre-orders in queue order (CSV and JSON, perks on lines of their own, never twice
 * unless asked), parcels through the API (split policy in parts, ship_complete whole), and the shipment
 * CSV import that applies good rows and reports bad ones by line, or applies nothing.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { exportJson } from '../../src/http/operations-schemas.ts';
import { runJobs } from '../../src/services/bulk-jobs.ts';
import { jobHandlers } from '../../src/services/job-kinds.ts';
import { launch, type MoneyWorld, moneyWorld, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 St James’s Square',
  postalCode: 'SW1Y 4JH',
  city: 'London',
  country: 'GB',
};

describeOnEachEngine('fulfilment', ({ db }) => {
  let world: MoneyWorld;
  let keys = 0;

  before(async () => {
    world = await moneyWorld(db());
  });

  const place = async (sku: string, fields: Record<string, unknown> = {}) => {
    keys += 1;
    const placed = await call(
      world.app,
      'POST',
      '/v1/storefront/preorders',
      { ...world.shop.storefront, 'idempotency-key': `ful-${keys}` },
      { sku, quantity: 1, email: `ship${keys}@example.com`, paymentMethod: VISA, ...fields },
    );
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    return placed.body as { id: string; shippingAddress: unknown; queuePosition: number };
  };
  /** A campaign whose pre-orders are ready as soon as its one batch is received. */
  const readyLaunch = async (fields: Record<string, unknown> = {}) => {
    const { campaignId, sku } = await launch(world, 5_000, 'EUR', { cap: 100, ...fields });
    const batch = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity: 100,
      readyDate: '2027-01-10',
    });
    assert.equal(batch.status, 201);
    const receive = () =>
      call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batch.body.id}`, world.shop.admin, {
        quantityReceived: 100,
      });
    return { campaignId, sku, batchId: batch.body.id as string, receive };
  };
  const exportCsv = async (body: Record<string, unknown>) => {
    const response = await world.app.inject({
      method: 'POST',
      url: '/v1/exports',
      headers: world.shop.admin,
      payload: body,
    });
    assert.equal(response.statusCode, 200, response.body);
    return {
      id: String(response.headers['presell-export-id']),
      missing: Number(response.headers['presell-missing-address']),
      rows: response.body
        .trim()
        .split('\r\n')
        .map((line) => line.split(',')),
      body: response.body,
      type: String(response.headers['content-type']),
    };
  };
  const importCsv = async (csv: string, query = '') => {
    const response = await world.app.inject({
      method: 'POST',
      url: `/v1/shipments/import${query}`,
      headers: { ...world.shop.admin, 'content-type': 'text/csv' },
      payload: csv,
    });
    assert.equal(response.statusCode, 202, response.body);
    return finishedJob(response.json().id);
  };
  /** The job once finished: this test's worker and the app's own share its items. */
  const finishedJob = async (id: string) => {
    for (;;) {
      await runJobs(world.ctx, jobHandlers(world.payments));
      const job = await call(world.app, 'GET', `/v1/jobs/${id}`, world.shop.admin);
      if (job.body.status === 'done' || job.body.status === 'refused') return job.body;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  test('the address is taken at placement, changes until export, and the export hands out ready pre-orders in queue order', async () => {
    const { campaignId, receive } = await readyLaunch({
      earlyBird: [
        { name: 'First two', firstUnits: 2, percentOff: 10, perk: { sku: 'WALNUT-STAND', quantity: 1 } },
      ],
    });
    const sku = (await call(world.app, 'GET', `/v1/campaigns/${campaignId}`, world.shop.admin)).body
      .variants[0].sku;
    const offer = await call(world.app, 'GET', `/v1/storefront/offers/${sku}`, world.shop.storefront);
    assert.deepEqual(
      offer.body.earlyBird.perk,
      { sku: 'WALNUT-STAND', quantity: 1 },
      'the offer shows the perk',
    );
    const first = await place(sku, { shippingAddress: ADDRESS });
    assert.deepEqual(first.shippingAddress, { ...ADDRESS, line2: null, region: null, phone: null });
    const second = await place(sku);
    const third = await place(sku, { shippingAddress: { ...ADDRESS, name: 'Charles Babbage' } });
    const badCountry = await call(
      world.app,
      'POST',
      '/v1/storefront/preorders',
      { ...world.shop.storefront, 'idempotency-key': 'ful-bad-country' },
      { sku, quantity: 1, email: 'x@example.com', shippingAddress: { ...ADDRESS, country: 'XX' } },
    );
    assertRefused(badCountry, 400, 'validation_failed');
    assert.equal((await receive()).status, 200);

    const changed = await call(
      world.app,
      'POST',
      `/v1/preorders/${third.id}/shipping-address`,
      world.shop.admin,
      {
        ...ADDRESS,
        name: 'Charles Babbage',
        line2: 'Flat 2',
        region: 'Greater London',
        phone: '+44 20 7946 0000',
      },
    );
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.shippingAddress.line2, 'Flat 2');

    const exported = await exportCsv({ campaignId });
    assert.match(exported.type, /^text\/csv/);
    assert.equal(exported.missing, 1, 'the pre-order without an address is left out and counted');
    assert.deepEqual(exported.rows[0], [
      'order_reference',
      'name',
      'address_line1',
      'address_line2',
      'postcode',
      'city',
      'region',
      'country',
      'email',
      'phone',
      'sku',
      'quantity',
      'line_type',
      'note',
    ]);
    assert.deepEqual(
      exported.rows.slice(1).map((row) => [row[0], row[10], row[11], row[12]]),
      [
        [first.id, sku, '1', 'item'],
        [first.id, 'WALNUT-STAND', '1', 'perk'],
        [third.id, sku, '1', 'item'],
      ],
      'queue order, the perk on its own line; the second pre-order has no address yet',
    );
    assert.equal(exported.rows[3]?.[9], '+44 20 7946 0000');

    const refused = await call(
      world.app,
      'POST',
      `/v1/preorders/${first.id}/shipping-address`,
      world.shop.admin,
      ADDRESS,
    );
    assertRefused(refused, 409, 'already_exported');
    assert.equal((await exportCsv({ campaignId })).rows.length, 1, 'nothing twice: only the header');
    await call(world.app, 'POST', `/v1/preorders/${second.id}/shipping-address`, world.shop.admin, ADDRESS);
    const again = await exportCsv({ campaignId, includeExported: true });
    assert.deepEqual(
      again.rows.slice(1).map((row) => row[0]),
      [first.id, first.id, second.id, second.id, third.id],
      'the second was in the first two: its perk too',
    );

    const json = await world.app.inject({
      method: 'GET',
      url: `/v1/exports/${again.id}?format=json`,
      headers: world.shop.admin,
    });
    const document = json.json();
    assert.deepEqual(exportJson.parse(document), document, 'the JSON export is as the OpenAPI document says');
    assert.equal(document.id, again.id);
    assert.deepEqual(
      document.data.map((order: { orderReference: string; lines: unknown[] }) => [
        order.orderReference,
        order.lines.length,
      ]),
      [
        [first.id, 2],
        [second.id, 2],
        [third.id, 1],
      ],
    );
    const audit = await call(world.app, 'GET', `/v1/audit-log?subject=${third.id}`, world.shop.admin);
    assert.equal(audit.body.data.length, 1, 'the address change is in the audit log');
    assert.equal(audit.body.data[0].before.shipping_address.name, 'Charles Babbage');
    assert.equal(audit.body.data[0].after.shipping_address.line2, 'Flat 2');
  });

  test('a split-policy pre-order ships in parts and is fulfilled with its last unit; ship_complete ships whole', async () => {
    const split = await readyLaunch();
    const placed = await place(split.sku, { quantity: 3, shippingAddress: ADDRESS });
    await split.receive();
    const ship = (id: string, body: Record<string, unknown>) =>
      call(world.app, 'POST', `/v1/preorders/${id}/fulfil`, world.shop.admin, body);
    const part = await ship(placed.id, { quantity: 2, carrier: 'DHL', trackingNumber: 'T-1' });
    assert.equal(part.status, 200, JSON.stringify(part.body));
    assert.deepEqual([part.body.state, part.body.unitsShipped], ['ready', 2]);
    assertRefused(await ship(placed.id, { quantity: 2, trackingNumber: 'T-2' }), 422, 'shipment_too_large');
    assertRefused(
      await ship(placed.id, { quantity: 1, trackingNumber: 'T-1' }),
      409,
      'shipment_already_recorded',
    );
    const rest = await ship(placed.id, { carrier: 'DHL', trackingNumber: 'T-2' });
    assert.deepEqual([rest.body.state, rest.body.unitsShipped], ['fulfilled', 3]);
    assert.equal(rest.body.shipment.trackingNumber, 'T-2');
    const parcels = await call(world.app, 'GET', `/v1/preorders/${placed.id}/shipments`, world.shop.admin);
    assert.deepEqual(
      parcels.body.data.map((p: { quantity: number; trackingNumber: string }) => [
        p.quantity,
        p.trackingNumber,
      ]),
      [
        [2, 'T-1'],
        [1, 'T-2'],
      ],
    );
    const events = await db().query<{ type: string; data: { quantity: number } }>(
      `SELECT type, data FROM events WHERE subject_id = $1 AND type IN ('preorder.partly_shipped', 'preorder.fulfilled')
       ORDER BY id`,
      [placed.id],
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.data.quantity]),
      [
        ['preorder.partly_shipped', 2],
        ['preorder.fulfilled', 1],
      ],
    );

    const whole = await readyLaunch({ promiseSettings: { policy: 'ship_complete' } });
    const complete = await place(whole.sku, { quantity: 2 });
    await whole.receive();
    const before = await databaseDigest(db());
    assertRefused(await ship(complete.id, { quantity: 1 }), 422, 'partial_shipment_refused');
    assertNothingWritten(before, await databaseDigest(db()));
    assert.equal((await ship(complete.id, {})).body.state, 'fulfilled');
  });

  test('a shipment file applies its good rows and reports each bad one with its line; all or nothing applies none', async () => {
    const { sku, receive } = await readyLaunch();
    const a = await place(sku, { shippingAddress: ADDRESS });
    const b = await place(sku, { shippingAddress: ADDRESS });
    const c = await place(sku, { shippingAddress: ADDRESS, quantity: 2 });
    const notReady = await readyLaunch();
    const waiting = await place(notReady.sku);
    await receive();
    const csv = [
      'order_reference,carrier,tracking_number,shipped_date,quantity',
      `${a.id},DHL,A-1,2027-01-12,`,
      `${waiting.id},DHL,W-1,2027-01-12,`,
      `po_unknown1,UPS,U-1,2027-01-12,`,
      `${b.id},"DHL, Express",B-1,not a date,`,
      `${c.id},UPS,C-1,2027-01-12T10:00:00Z,1`,
    ].join('\n');

    const before = await databaseDigest(db());
    const atomic = await importCsv(csv, '?allOrNothing=true');
    assert.equal(atomic.status, 'refused');
    assert.equal(atomic.done, 0);
    assert.deepEqual(
      atomic.failures.map((f: { line: number; code: string }) => [f.line, f.code]),
      [
        [3, 'invalid_transition'],
        [4, 'not_found'],
        [5, 'validation_failed'],
      ],
    );
    assertNothingWritten(before, await databaseDigest(db()), ['jobs', 'job_items', 'audit_log']);
    assert.equal(
      (await call(world.app, 'GET', `/v1/preorders/${a.id}`, world.shop.admin)).body.state,
      'ready',
    );

    const partial = await importCsv(csv);
    assert.equal(partial.status, 'done');
    assert.deepEqual([partial.total, partial.done, partial.failed, partial.left], [5, 2, 3, 0]);
    assert.deepEqual(
      partial.failures.map((f: { line: number; message: string }) => f.line),
      [3, 4, 5],
    );
    assert.match(partial.failures[2].message, /shipped_date/);
    const stateOf = async (id: string) =>
      (await call(world.app, 'GET', `/v1/preorders/${id}`, world.shop.admin)).body;
    assert.equal((await stateOf(a.id)).state, 'fulfilled');
    assert.equal(
      (await stateOf(a.id)).shipment.shippedAt,
      '2027-01-11T23:00:00.000Z',
      'the shop’s day (Berlin)',
    );
    assert.equal((await stateOf(b.id)).state, 'ready', 'a bad row is not half applied');
    assert.deepEqual([(await stateOf(c.id)).state, (await stateOf(c.id)).unitsShipped], ['ready', 1]);

    const again = await importCsv(csv);
    assert.equal(again.done, 0, 'the same file again ships nothing twice');
    assert.ok(again.failures.some((f: { code: string }) => f.code === 'shipment_already_recorded'));

    const header = await world.app.inject({
      method: 'POST',
      url: '/v1/shipments/import',
      headers: { ...world.shop.admin, 'content-type': 'text/csv' },
      payload: 'reference,carrier\npo_x,DHL\n',
    });
    assertRefused({ status: header.statusCode, body: header.json() }, 400, 'invalid_csv');
  });
});
