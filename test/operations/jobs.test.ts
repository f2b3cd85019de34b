/**
 * Resumable bulk jobs on both engines: a worker that dies in the middle of a chunk leaves it to the next,
 * which finishes the job without applying anything twice; two workers share a job; a bulk cancel refunds
 * each pre-order once and reports the ones it could not cancel; the audit log keeps every merchant action.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type JobHandler, runJobs } from '../../src/services/bulk-jobs.ts';
import { jobHandlers } from '../../src/services/job-kinds.ts';
import { shipmentImportHandler } from '../../src/services/shipment-import.ts';
import { launch, ledgerOf, type MoneyWorld, moneyWorld, place, stateOf, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

describeOnEachEngine('bulk jobs', ({ db, engine }) => {
  let world: MoneyWorld;
  before(async () => {
    world = await moneyWorld(db());
  });

  /** Ready pre-orders of a new campaign, paid in full. */
  const readyPreorders = async (count: number) => {
    const { campaignId, sku } = await launch(world, 3_000, 'EUR', { cap: count });
    const batch = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity: count,
      readyDate: '2027-01-10',
    });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await place(world, sku, { paymentMethod: VISA })).body.id);
    await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batch.body.id}`, world.shop.admin, {
      quantityReceived: count,
    });
    return ids;
  };
  /** Stages a shipment file as a job without starting it in the app. */
  const stageShipments = async (ids: readonly string[]) => {
    const { importShipments } = await import('../../src/services/shipment-import.ts');
    const { getShop } = await import('../../src/services/shops.ts');
    const csv = [
      'order_reference,carrier,tracking_number,shipped_date',
      ...ids.map((id, i) => `${id},DHL,J-${i},2027-01-12`),
    ];
    const file = (async function* () {
      yield csv.join('\n');
    })();
    return importShipments(world.ctx, await getShop(world.ctx, world.shop.shopId), file, {
      allOrNothing: false,
    });
  };
  const shipmentsOf = async (ids: readonly string[]) =>
    (
      await db().query<{ count: number }>(
        'SELECT count(*)::int AS count FROM shipments WHERE preorder_id = ANY($1)',
        [ids],
      )
    )[0]?.count;

  test('a worker that dies mid-chunk leaves it to the next; nothing is applied twice', async () => {
    const ids = await readyPreorders(7);
    const job = await stageShipments(ids);
    let chunks = 0;
    const dying: JobHandler = {
      ...shipmentImportHandler,
      chunkSize: 2,
      async apply(uow, current, items) {
        const refusals = await shipmentImportHandler.apply(uow, current, items);
        chunks += 1;
        // The parcels of this chunk are written, but the process dies before its transaction commits.
        if (chunks === 3) throw new Error('the worker died');
        return refusals;
      },
    };
    await assert.rejects(runJobs(world.ctx, [dying], { jobId: { shopId: job.shopId, id: job.id } }), /died/);
    const halfway = (await call(world.app, 'GET', `/v1/jobs/${job.id}`, world.shop.admin)).body;
    assert.deepEqual([halfway.status, halfway.done, halfway.failed, halfway.left], ['running', 4, 0, 3]);
    assert.equal(await shipmentsOf(ids), 4, 'the chunk that died left nothing behind');

    await runJobs(world.ctx, [{ ...shipmentImportHandler, chunkSize: 2 }], {
      jobId: { shopId: job.shopId, id: job.id },
    });
    const finished = (await call(world.app, 'GET', `/v1/jobs/${job.id}`, world.shop.admin)).body;
    assert.deepEqual([finished.status, finished.done, finished.failed, finished.left], ['done', 7, 0, 0]);
    assert.equal(await shipmentsOf(ids), 7, 'one parcel each');
    for (const id of ids) assert.equal(await stateOf(world, id), 'fulfilled');
    const fulfilled = await db().query<{ count: number }>(
      `SELECT count(*)::int AS count FROM events WHERE type = 'preorder.fulfilled' AND subject_id = ANY($1)`,
      [ids],
    );
    assert.equal(fulfilled[0]?.count, 7, 'one event each');
  });

  test('two workers share a job without doing anything twice', { skip: engine === 'pglite' }, async () => {
    const ids = await readyPreorders(30);
    const job = await stageShipments(ids);
    const handlers = [{ ...shipmentImportHandler, chunkSize: 3 }];
    await Promise.all([
      runJobs(world.ctx, handlers),
      runJobs(world.ctx, handlers),
      runJobs(world.ctx, handlers),
    ]);
    const finished = (await call(world.app, 'GET', `/v1/jobs/${job.id}`, world.shop.admin)).body;
    assert.deepEqual([finished.status, finished.done, finished.failed], ['done', 30, 0]);
    assert.equal(await shipmentsOf(ids), 30);
  });

  test('a bulk cancel refunds each pre-order once and reports those it could not cancel', async () => {
    const ids = await readyPreorders(4);
    await call(world.app, 'POST', `/v1/preorders/${ids[3]}/fulfil`, world.shop.admin, {});
    const started = await call(world.app, 'POST', '/v1/preorders/bulk-cancel', world.shop.admin, {
      preorderIds: [...ids, 'po_missing1'],
      reason: 'No answer to the delay notice by the deadline',
      refund: 'full',
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    let job = started.body;
    while (job.status !== 'done') {
      await runJobs(world.ctx, jobHandlers(world.payments));
      job = (await call(world.app, 'GET', `/v1/jobs/${job.id}`, world.shop.admin)).body;
    }
    assert.deepEqual([job.total, job.done, job.failed], [5, 3, 2]);
    assert.deepEqual(
      job.failures.map((f: { code: string }) => f.code),
      ['invalid_transition', 'not_found'],
    );
    for (const id of ids.slice(0, 3)) {
      assert.equal(await stateOf(world, id), 'cancelled');
      // Refunds go to the provider after the chunk commits, from whichever worker ran it.
      let ledger = await ledgerOf(world, id);
      for (let wait = 0; ledger.refunded.amount === 0 && wait < 200; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        ledger = await ledgerOf(world, id);
      }
      assert.deepEqual([ledger.charged.amount, ledger.refunded.amount], [3_000, 3_000]);
    }
    await runJobs(world.ctx, jobHandlers(world.payments));
    assert.equal((await ledgerOf(world, ids[0] as string)).refunded.amount, 3_000, 'refunded once');
  });

  test('the audit log keeps each merchant action with its key, and the subject before and after', async () => {
    const { campaignId } = await launch(world, 1_000, 'EUR', { cap: 5 });
    const renamed = await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}`, world.shop.admin, {
      name: 'Renamed',
    });
    assert.equal(renamed.status, 200);
    const refused = await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}`, world.shop.admin, {
      name: '',
    });
    assert.equal(refused.status, 400);
    await call(world.app, 'GET', `/v1/campaigns/${campaignId}`, world.shop.admin);
    const log = await call(world.app, 'GET', `/v1/audit-log?subject=${campaignId}`, world.shop.admin);
    assert.equal(log.status, 200);
    const [created, opened, patched, ...rest] = log.body.data;
    assert.equal(rest.length, 0, 'reads and refusals are not actions');
    assert.deepEqual([created.method, created.route, created.before], ['POST', '/v1/campaigns', null]);
    assert.equal(created.after.status, 'draft');
    assert.equal(opened.route, '/v1/campaigns/:id/open');
    assert.deepEqual([opened.before.status, opened.after.status], ['draft', 'open']);
    assert.deepEqual(patched.request, { name: 'Renamed' });
    assert.deepEqual([patched.before.name, patched.after.name], ['Launch', 'Renamed']);
    const key = world.shop.admin.authorization?.slice(-4);
    assert.equal(patched.keyHint, key);
    assert.match(patched.keyId, /^key_/);
  });
});
