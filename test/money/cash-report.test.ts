/** The cash report: collected, refunded, balances by due week, at risk, refundable; JSON and CSV. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { runDueJobs } from '../../src/jobs.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { CHARGES_DECLINED, launch, type MoneyWorld, moneyWorld, place, VISA } from './support.ts';

describeOnEachEngine('cash report', ({ db }) => {
  let world: MoneyWorld;
  before(async () => {
    world = await moneyWorld(db(), 'EUR');
  });

  test('the figures follow the ledger and the plans, per campaign and by week', async () => {
    const dated = await launch(world, 10_000, 'EUR', {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_date', date: '2026-12-16' } },
    });
    const later = await launch(world, 3_000, 'EUR', { paymentTerms: { kind: 'later' } });
    const paid = await place(world, dated.sku, { paymentMethod: VISA });
    await place(world, dated.sku, { paymentMethod: VISA, quantity: 2 });
    const failing = await place(world, later.sku, { paymentMethod: CHARGES_DECLINED });
    await call(world.app, 'POST', `/v1/campaigns/${later.campaignId}/release`, world.shop.admin);
    await runDueJobs(world.ctx, world.payments);
    await call(world.app, 'POST', `/v1/preorders/${paid.body.id}/cancel`, world.shop.admin, {
      reason: 'test',
    });

    const report = await call(world.app, 'GET', '/v1/reports/cash', world.shop.admin);
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const byId = (id: string) =>
      report.body.campaigns.find((c: { campaignId: string }) => c.campaignId === id);
    const datedFigures = byId(dated.campaignId);
    assert.deepEqual(datedFigures.collected, { amount: 6_000, currency: 'EUR' });
    assert.deepEqual(datedFigures.refunded, { amount: 2_000, currency: 'EUR' });
    assert.deepEqual(datedFigures.net, { amount: 4_000, currency: 'EUR' });
    // The live pre-order of 2 owes 16 000 on 16 December (a Wednesday; de-DE weeks start on Monday).
    assert.deepEqual(datedFigures.scheduled, [
      { week: '2026-12-14', amount: { amount: 16_000, currency: 'EUR' } },
    ]);
    assert.deepEqual(datedFigures.refundableIfAllCancelled, { amount: 4_000, currency: 'EUR' });
    assert.deepEqual(datedFigures.weekly, [
      {
        week: '2026-11-30',
        collected: { amount: 6_000, currency: 'EUR' },
        refunded: { amount: 2_000, currency: 'EUR' },
      },
    ]);
    const laterFigures = byId(later.campaignId);
    assert.deepEqual(
      laterFigures.atRisk,
      { amount: 3_000, currency: 'EUR' },
      'the failing balance is at risk',
    );
    assert.deepEqual(report.body.total.collected, { amount: 6_000, currency: 'EUR' });
    assert.ok(failing.body.id);

    const ranged = await call(
      world.app,
      'GET',
      `/v1/reports/cash?campaign=${dated.campaignId}&from=2026-12-20&to=2026-12-31`,
      world.shop.admin,
    );
    assert.equal(ranged.body.campaigns.length, 1);
    assert.equal(ranged.body.total.collected.amount, 0, 'nothing was collected in that range');
    assert.deepEqual(ranged.body.total.scheduled, [], 'nothing falls due in that range');

    const csv = await world.app.inject({
      method: 'GET',
      url: '/v1/reports/cash',
      headers: { ...world.shop.admin, accept: 'text/csv' },
    });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'campaign_id,campaign_name,figure,week,amount_minor,currency');
    assert.ok(lines.includes(`${dated.campaignId},Launch,scheduled,2026-12-14,16000,EUR`));
    assert.ok(lines.includes('all,All campaigns,collected,,6000,EUR'));
    const viaQuery = await world.app.inject({
      method: 'GET',
      url: '/v1/reports/cash?format=csv',
      headers: world.shop.admin,
    });
    assert.equal(viaQuery.body, csv.body);
  });
});
