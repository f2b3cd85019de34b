/** GET /v1/campaigns/{id}/dashboard: the launch's figures, aggregated per shop-local day and week. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { launch, type MoneyWorld, moneyWorld, place, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';

const HOUR = 3_600_000;

describeOnEachEngine('launch dashboard', ({ db }) => {
  let world: MoneyWorld;
  let campaignId: string;
  let sku: string;
  const dashboard = (id: string, query = '', key = world.shop.admin) =>
    call(world.app, 'GET', `/v1/campaigns/${id}/dashboard${query}`, key);
  const addBatch = async (quantity: number, readyDate: string) => {
    const made = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity,
      readyDate,
      bufferDays: 0,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.id as string;
  };

  before(async () => {
    world = await moneyWorld(db(), 'EUR');
    ({ campaignId, sku } = await launch(world, 5_000, 'EUR'));
  });

  test('counts per day, held against cap, supply steps, ship weeks and cancellations', async () => {
    const firstBatch = await addBatch(3, '2027-01-06');
    const secondBatch = await addBatch(4, '2027-01-20');
    // 1 December (the clock starts at 09:00 UTC): three pre-orders; the next day at 23:30 in Berlin, two more.
    const first = await place(world, sku, { paymentMethod: VISA, quantity: 2, email: 'a@example.com' });
    await place(world, sku, { paymentMethod: VISA, email: 'b@example.com' });
    await place(world, sku, { paymentMethod: VISA, email: 'c@example.com' });
    world.clock.advance(37.5 * HOUR);
    await place(world, sku, { paymentMethod: VISA, quantity: 3, email: 'd@example.com' });
    await place(world, sku, { paymentMethod: VISA, email: 'e@example.com' });
    world.clock.advance(HOUR);
    const cancelled = await call(
      world.app,
      'POST',
      `/v1/preorders/${first.body.id}/cancel`,
      world.shop.admin,
      {
        reason: 'changed my mind',
      },
    );
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));

    const { status, body } = await dashboard(campaignId);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.object, 'launch_dashboard');
    assert.equal(body.timeZone, 'Europe/Berlin');
    assert.equal(body.unitsHeld, 6, 'the cancelled pre-order gave its 2 units back');
    assert.equal(body.cap, 100);
    assert.deepEqual(body.days, [
      { date: '2026-12-01', placed: 3, units: 4, cancelled: 0 },
      { date: '2026-12-02', placed: 2, units: 4, cancelled: 0 },
      { date: '2026-12-03', placed: 0, units: 0, cancelled: 1 },
    ]);
    assert.deepEqual(body.supply, [
      { date: '2027-01-06', batchId: firstBatch, units: 3, state: 'planned' },
      { date: '2027-01-20', batchId: secondBatch, units: 4, state: 'planned' },
    ]);
    // Live demand of 6 units against 7 planned: b and c in the first batch (ready Wednesday 6 January, in
    // the week starting Monday 4 January for de-DE); d's 3 units start shipping with the second, with e.
    assert.equal(body.unpromisedUnits, 0);
    assert.deepEqual(body.shipWeeks, [
      { week: '2027-01-04', customers: 2, units: 2 },
      { week: '2027-01-18', customers: 2, units: 4 },
    ]);
    assert.deepEqual(body.cancellationAlert, { percent: 10, windowDays: 7 });
  });

  test('one variant by sku; an unknown sku and another shop’s campaign are refused', async () => {
    const one = await dashboard(campaignId, `?sku=${sku}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.sku, sku);
    assert.equal(one.body.variants.length, 1);
    assertRefused(await dashboard(campaignId, '?sku=NOT-SOLD'), 422, 'unknown_variant');
    assertRefused(await dashboard(campaignId, '?days=3'), 400, 'validation_failed');
    const other = await moneyWorld(db(), 'EUR');
    assertRefused(await dashboard(campaignId, '', other.shop.admin), 404, 'not_found');
  });
});
