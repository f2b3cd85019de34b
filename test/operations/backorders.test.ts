/**
 * Backorders that run themselves, on both engines: stock that comes in serves waiting backorders first, in
 * queue order; the campaign pauses itself once stock is back and every backorder is served, and opens
 * itself when the shelf is empty again; the offer tells in stock, backorder and pre-order apart; stock by
 * CSV reports its bad rows.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { runJobs } from '../../src/services/bulk-jobs.ts';
import { jobHandlers } from '../../src/services/job-kinds.ts';
import { type MoneyWorld, moneyWorld, place, stateOf, VISA } from '../money/support.ts';
import { call, openLaunch } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';

describeOnEachEngine('backorders', ({ db }) => {
  let world: MoneyWorld;
  before(async () => {
    world = await moneyWorld(db());
  });

  const stock = (variantId: string, onHand: number) =>
    call(world.app, 'POST', `/v1/variants/${variantId}/stock`, world.shop.admin, { onHand });
  const offer = async (sku: string) =>
    (await call(world.app, 'GET', `/v1/storefront/offers/${sku}`, world.shop.storefront)).body;
  const status = async (campaignId: string) =>
    (await call(world.app, 'GET', `/v1/campaigns/${campaignId}`, world.shop.admin)).body.status;

  test('stock that comes in serves backorders in queue order; the campaign pauses and opens itself', async () => {
    const { campaignId, variantId, sku } = await openLaunch(world.app, world.shop, {
      sku: 'MUG-1',
      mode: 'backorder',
      cap: 50,
      price: { amount: 2_400, currency: 'EUR' },
    });
    assert.equal((await offer(sku)).availability.kind, 'backorder');
    const waiting = [];
    for (const quantity of [1, 2, 3]) {
      const placed = await place(world, sku, { quantity, paymentMethod: VISA });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      waiting.push(placed.body.id as string);
    }
    const partial = await stock(variantId, 4);
    assert.equal(partial.status, 200, JSON.stringify(partial.body));
    assert.deepEqual(
      [partial.body.toBackorders, partial.body.onHand, partial.body.campaign],
      [4, 0, null],
      'all four units go to the backorders; the shelf stays empty, the campaign open',
    );
    assert.deepEqual(
      await Promise.all(waiting.map((id) => stateOf(world, id))),
      ['ready', 'ready', 'confirmed'],
      'first come, first served: the third waits for two more',
    );

    const restocked = await stock(variantId, 10);
    assert.deepEqual(
      [restocked.body.previousOnHand, restocked.body.toBackorders, restocked.body.onHand],
      [0, 2, 8],
    );
    assert.deepEqual(restocked.body.campaign, { id: campaignId, status: 'paused' });
    assert.equal(await stateOf(world, waiting[2] as string), 'ready');
    const inStock = await offer(sku);
    assert.deepEqual([inStock.state, inStock.availability.kind], ['closed', 'in_stock']);
    assert.equal(inStock.availability.message, 'Auf Lager');

    const sold = await stock(variantId, 0);
    assert.deepEqual(sold.body.campaign, { id: campaignId, status: 'open' });
    const open = await offer(sku);
    assert.deepEqual([open.state, open.availability.kind], ['open', 'backorder']);
    // Read from the table: GET /v1/events waits for every transaction on the server to settle.
    const events = await db().query<{ type: string; data: { cause?: string } }>(
      `SELECT type, data FROM events WHERE subject_id = $1 AND type LIKE 'campaign.%' ORDER BY id`,
      [campaignId],
    );
    assert.deepEqual(
      events.slice(-2).map((e) => [e.type, e.data.cause]),
      [
        ['campaign.paused', 'stock'],
        ['campaign.opened', 'stock'],
      ],
    );

    // The merchant's own pause is theirs: stock running out does not undo it.
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/pause`, world.shop.admin);
    await stock(variantId, 5);
    await stock(variantId, 0);
    assert.equal(await status(campaignId), 'paused');
  });

  test('stock by CSV: good rows apply, bad ones are reported by line', async () => {
    const { variantId } = await openLaunch(world.app, world.shop, {
      sku: 'MUG-2',
      mode: 'backorder',
      cap: 10,
    });
    const response = await world.app.inject({
      method: 'POST',
      url: '/v1/stock/import',
      headers: { ...world.shop.admin, 'content-type': 'text/csv' },
      payload: 'sku,on_hand\r\nMUG-2,7\r\nNO-SUCH-SKU,3\r\nMUG-2,many\r\n',
    });
    assert.equal(response.statusCode, 202, response.body);
    let job = response.json();
    while (job.status !== 'done') {
      await runJobs(world.ctx, jobHandlers(world.payments));
      job = (await call(world.app, 'GET', `/v1/jobs/${job.id}`, world.shop.admin)).body;
    }
    assert.deepEqual([job.done, job.failed], [1, 2]);
    assert.deepEqual(
      job.failures.map((f: { line: number; code: string }) => [f.line, f.code]),
      [
        [3, 'unknown_variant'],
        [4, 'validation_failed'],
      ],
    );
    const variants = await call(world.app, 'GET', '/v1/variants?limit=100', world.shop.admin);
    assert.equal(variants.body.data.find((v: { id: string }) => v.id === variantId).onHand, 7);
    assertRefused(await stock('var_nope', 1), 404, 'not_found');
  });

  test('a pre-order offer says so', async () => {
    const { sku } = await openLaunch(world.app, world.shop, { sku: 'LAMP-9', cap: 10 });
    const { campaignId } = (await offer(sku)) as { campaignId: string };
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity: 10,
      readyDate: '2027-01-10',
    });
    const shown = await offer(sku);
    assert.equal(shown.availability.kind, 'preorder');
    assert.match(shown.availability.message, /^Vorbestellen – Versand /);
  });
});
