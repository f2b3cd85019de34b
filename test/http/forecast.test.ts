/** GET /v1/campaigns/{id}/forecast and POST /v1/campaigns/{id}/production-advice, on each engine. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { adoptersBetween } from '../../src/simulate/bass.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

const DAY = 86_400_000;
const OPENED = new Date('2026-12-01T09:00:00Z');
/** 15 days of a launch whose demand follows a Bass curve of 300 units: 289 of them placed by then. */
const CURVE = { p: 0.03, q: 0.35, m: 300 };
const DAILY = Array.from({ length: 15 }, (_, day) => Math.round(adoptersBetween(CURVE, day, day + 1)));
const PLACED = DAILY.reduce((total, units) => total + units, 0);

describeOnEachEngine('forecast and production advice', ({ db }) => {
  const clock = manualClock(OPENED);
  let app: FastifyInstance;
  let shop: TestShop;
  let other: TestShop;
  let launch: { campaignId: string; sku: string };
  let sequence = 0;

  const place = async (sku: string, quantity: number) => {
    const placed = await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `forecast-${++sequence}` },
      { sku, quantity, email: `buyer${sequence}@example.com` },
    );
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    return placed.body.id as string;
  };
  const forecast = (campaignId: string, query = '', key = shop.admin) =>
    call(app, 'GET', `/v1/campaigns/${campaignId}/forecast${query}`, key);
  const advise = (campaignId: string, body: unknown, key = shop.admin) =>
    call(app, 'POST', `/v1/campaigns/${campaignId}/production-advice`, key, body);
  const eur = (amount: number) => ({ amount, currency: 'EUR' });

  before(async () => {
    const built = await testApp(db(), { clock: clock.now });
    app = built.app;
    shop = await testShop(built.ctx, 'Forecast Co.');
    other = await testShop(built.ctx, 'Other Co.');
    launch = await openLaunch(app, shop, {
      sku: 'CURVE-1',
      cap: 1000,
      closesAt: '2026-12-31T12:00:00Z',
      price: eur(5000),
    });
    for (const [day, units] of DAILY.entries()) {
      clock.set(new Date(OPENED.getTime() + day * DAY + 3_600_000));
      for (let left = units; left > 0; left -= 5) await place('CURVE-1', Math.min(left, 5));
    }
    clock.set(new Date(OPENED.getTime() + 15 * DAY));
  });
  after(() => app.close());

  describe('the forecast', () => {
    test('fits a Bass curve to the daily placements and forecasts the close with an interval', async () => {
      const { status, body } = await forecast(launch.campaignId);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.method, 'bass');
      assert.equal(body.fallback, null);
      assert.equal(body.unitsSoFar, PLACED);
      assert.deepEqual(body.horizon, { date: '2026-12-31', source: 'closes_at' });
      assert.equal(body.startDate, '2026-12-01');
      const { expected, low, high, confidence } = body.finalDemand;
      assert.equal(confidence, 0.9);
      assert.ok(low <= expected && expected <= high, JSON.stringify(body.finalDemand));
      // The curve levels off at 300; the days placed are that curve rounded, so the fit finds it closely.
      assert.ok(Math.abs(expected - 300) <= 6, `expected ${expected}`);
      assert.ok(low >= PLACED && high <= 330, JSON.stringify(body.finalDemand));
      assert.equal(body.parameters.kind, 'bass');
      assert.ok(Math.abs(body.parameters.m - 300) / 300 < 0.03, JSON.stringify(body.parameters));
      assert.deepEqual(body.interval, { method: 'residual_bootstrap', replicates: 200, seed: 13 });
      assert.match(body.message, /^Expected \d+ units by the end of 2026-12-31 \(90 % interval \d+–\d+\)/);
    });

    test('by date: actual running totals up to today, the forecast from today to the close', async () => {
      const { body } = await forecast(launch.campaignId);
      assert.equal(body.byDate.length, 31);
      assert.equal(body.byDate[0].date, '2026-12-01');
      assert.equal(body.byDate.at(-1).date, '2026-12-31');
      let total = 0;
      for (const [day, units] of DAILY.entries()) {
        total += units;
        const point = body.byDate[day];
        assert.equal(point.actual, total, point.date);
        assert.equal(point.expected, null);
        assert.ok(
          Math.abs(point.fitted - total) <= 8,
          `${point.date}: fitted ${point.fitted}, placed ${total}`,
        );
      }
      const today = body.byDate[15];
      assert.equal(today.date, '2026-12-16');
      assert.equal(today.actual, PLACED);
      assert.ok(today.expected >= PLACED);
      const last = body.byDate.at(-1);
      assert.equal(last.actual, null);
      assert.equal(last.expected, body.finalDemand.expected);
      for (const point of body.byDate.slice(15))
        assert.ok(point.low <= point.expected && point.expected <= point.high);
    });

    test('the same placements give the same answer (the bootstrap is seeded)', async () => {
      const [first, second] = [await forecast(launch.campaignId), await forecast(launch.campaignId)];
      assert.deepEqual(first.body, second.body);
      assert.deepEqual(
        (await forecast(launch.campaignId, '?sku=CURVE-1')).body.finalDemand,
        first.body.finalDemand,
      );
    });

    test('cancelled pre-orders are not demand: left out and counted apart', async () => {
      const campaign = await openLaunch(app, shop, { sku: 'CANCEL-1', closesAt: '2026-12-31T12:00:00Z' });
      const kept = await place('CANCEL-1', 3);
      const cancelled = await place('CANCEL-1', 2);
      await db().query(`UPDATE preorders SET state = 'cancelled' WHERE id = $1`, [cancelled]);
      const { body } = await forecast(campaign.campaignId);
      assert.ok(kept);
      assert.equal(body.unitsSoFar, 3);
      assert.equal(body.cancelledUnits, 2);
    });

    test('with too little to fit it says so and gives the run rate, marked as the fallback', async () => {
      const campaign = await openLaunch(app, shop, {
        sku: 'YOUNG-1',
        cap: null,
        closesAt: '2026-12-27T09:00:00Z',
      });
      await place('YOUNG-1', 4);
      await place('YOUNG-1', 2);
      clock.advance(DAY);
      const { status, body } = await forecast(campaign.campaignId);
      clock.advance(-DAY);
      assert.equal(status, 200);
      assert.equal(body.method, 'run_rate');
      assert.deepEqual(body.fallback, {
        reason: 'too_few_days',
        message: 'fewer than 7 days of selling: too little to fit a demand curve',
      });
      assert.equal(body.cap, null);
      // 6 units in the first day, carried over the 10 days left to the close on the 27th.
      assert.equal(body.parameters.unitsPerDay, 6);
      assert.equal(body.finalDemand.expected, 66);
      assert.ok(body.finalDemand.low >= 6 && body.finalDemand.low < 66 && body.finalDemand.high > 66);
      assert.deepEqual(body.interval, { method: 'normal_approximation' });
      assert.match(body.message, /^Fallback estimate, not a fitted curve \(fewer than 7 days/);
    });

    test('a campaign without closesAt needs a horizon, today or later and within two years', async () => {
      const open = await openLaunch(app, shop, { sku: 'OPEN-END-1' });
      const refusal = assertRefused(await forecast(open.campaignId), 422, 'horizon_required');
      assert.match(refusal.message, /send horizon \(YYYY-MM-DD\)/);
      assert.equal(refusal.details?.field, 'horizon');
      const answered = await forecast(open.campaignId, '?horizon=2027-01-15');
      assert.equal(answered.status, 200);
      assert.deepEqual(answered.body.horizon, { date: '2027-01-15', source: 'query' });
      assert.equal(answered.body.fallback.reason, 'no_placements');
      assert.equal(answered.body.finalDemand.expected, 0);
      assertRefused(await forecast(open.campaignId, '?horizon=2026-12-01'), 422, 'horizon_in_past');
      assertRefused(await forecast(open.campaignId, '?horizon=2029-01-01'), 422, 'horizon_too_far');
    });

    test('bad input is refused with its code', async () => {
      assertRefused(await forecast(launch.campaignId, '?horizon=31.12.2026'), 400, 'validation_failed');
      assertRefused(await forecast(launch.campaignId, '?horizon=2026-02-30'), 400, 'validation_failed');
      const unknown = assertRefused(
        await forecast(launch.campaignId, '?until=2027-01-01'),
        400,
        'validation_failed',
      );
      assert.match(unknown.message, /until/);
      const sku = assertRefused(await forecast(launch.campaignId, '?sku=NOPE'), 422, 'unknown_variant');
      assert.deepEqual(sku.details, { field: 'sku', expected: ['CURVE-1'], received: 'NOPE' });
      assertRefused(await forecast('cmp_unknown'), 404, 'not_found');
      assertRefused(await forecast(launch.campaignId, '', other.admin), 404, 'not_found');
      assertRefused(await forecast(launch.campaignId, '', {}), 401, 'unauthorized');
      assertRefused(await forecast(launch.campaignId, '', shop.storefront), 401, 'unauthorized');
    });
  });

  describe('production advice', () => {
    before(async () => {
      for (const quantity of [40, 30]) {
        const batch = await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/batches`, shop.admin, {
          sku: 'CURVE-1',
          quantity,
          readyDate: '2027-01-20',
        });
        assert.equal(batch.status, 201, JSON.stringify(batch.body));
      }
    });

    test('a normal demand of the merchant’s own: the critical ratio’s quantile, less what batches bring', async () => {
      const { status, body } = await advise(launch.campaignId, {
        unitCost: eur(2000),
        salvageValue: eur(500),
        demand: { mean: 100, standardDeviation: 20 },
      });
      assert.equal(status, 200, JSON.stringify(body));
      // Cu = 5000 − 2000 = 3000, Co = 2000 − 500 = 1500: ratio 2/3, z = 0.4307, 100 + 20·0.4307 = 108.6 → 109.
      assert.equal(body.criticalRatio, 0.6667);
      assert.equal(body.targetUnits, 109);
      assert.deepEqual(body.unitsCovered, { units: 70, batches: 2, onHand: 0 });
      assert.equal(body.unitsToProduce, 39);
      assert.equal(body.unitsInAll, 109);
      // Hand-computed: the loss at 109 is 20·(φ(0.45) − 0.45·(1 − Φ(0.45))) = 4.27 units short.
      assert.deepEqual(body.expected, { sold: 95.7, leftOver: 13.3, short: 4.3, profit: eur(267_270) });
      assert.deepEqual(body.prices, {
        unitPrice: eur(5000),
        unitCost: eur(2000),
        salvageValue: eur(500),
        shortageCost: eur(0),
      });
      assert.deepEqual(body.demand, {
        source: 'given',
        method: 'normal',
        fallback: null,
        expected: 100,
        low: null,
        high: null,
      });
      assert.match(body.message, /^Produce 39 more units: with the 70 the supply plan already brings/);
    });

    test('from the forecast: produce up to the quantile of the bootstrap’s final demands', async () => {
      const { status, body } = await advise(launch.campaignId, {
        unitCost: eur(2000),
        salvageValue: eur(500),
        unitPrice: eur(4000),
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.demand.source, 'forecast');
      assert.equal(body.demand.method, 'bass');
      assert.ok(body.demand.low <= body.targetUnits && body.targetUnits <= body.demand.high + 1);
      assert.equal(body.unitsToProduce, body.targetUnits - 70);
      assert.ok(Math.abs(body.expected.sold + body.expected.leftOver - body.unitsInAll) < 0.2);
    });

    test('a plan that already brings more than the target: produce nothing, and say by how much', async () => {
      const { body } = await advise(launch.campaignId, {
        unitCost: eur(2000),
        demand: { mean: 50, standardDeviation: 5 },
      });
      assert.equal(body.unitsToProduce, 0);
      assert.equal(body.unitsInAll, 70);
      assert.match(
        body.message,
        /^Produce nothing more: the supply plan already brings 70 units, 18 more than/,
      );
    });

    test('bad input is refused with its code and writes nothing', async () => {
      const cases: [unknown, number, string][] = [
        [{ unitCost: eur(2000), salvageValue: eur(2000) }, 422, 'salvage_not_below_cost'],
        [{ unitCost: { amount: 2000, currency: 'USD' } }, 422, 'currency_mismatch'],
        [{ unitCost: eur(2000), colour: 'red' }, 400, 'validation_failed'],
        [{ unitCost: { amount: 2000, currency: 'EUR', cents: true } }, 400, 'validation_failed'],
        [{ unitCost: eur(-1) }, 400, 'validation_failed'],
        [{ unitCost: eur(19.5) }, 400, 'validation_failed'],
        [{}, 400, 'validation_failed'],
        [{ unitCost: eur(2000), demand: { mean: 10 } }, 400, 'validation_failed'],
        [{ unitCost: eur(2000), sku: 'NOPE' }, 422, 'unknown_variant'],
      ];
      for (const [body, status, code] of cases) {
        const before = await databaseDigest(db());
        assertRefused(await advise(launch.campaignId, body), status, code);
        assertNothingWritten(before, await databaseDigest(db()));
      }
      const salvage = assertRefused(
        await advise(launch.campaignId, { unitCost: eur(2000), salvageValue: eur(2500) }),
        422,
        'salvage_not_below_cost',
      );
      assert.deepEqual(salvage.details, { field: 'salvageValue', expected: 'below 2000', received: 2500 });
      assertRefused(await advise(launch.campaignId, { unitCost: eur(2000) }, other.admin), 404, 'not_found');
    });

    test('a campaign of several variants needs a sku; one with no pre-orders needs an estimate', async () => {
      await call(app, 'POST', '/v1/variants', shop.admin, { sku: 'PAIR-A', name: 'A' });
      await call(app, 'POST', '/v1/variants', shop.admin, { sku: 'PAIR-B', name: 'B' });
      const pair = await call(app, 'POST', '/v1/campaigns', shop.admin, {
        name: 'Pair',
        mode: 'preorder',
        closesAt: '2026-12-31T12:00:00Z',
        price: eur(1000),
        variants: [
          { sku: 'PAIR-A', cap: null },
          { sku: 'PAIR-B', cap: null },
        ],
      });
      const required = assertRefused(
        await advise(pair.body.id, { unitCost: eur(400) }),
        422,
        'variant_required',
      );
      assert.deepEqual(required.details, { field: 'sku', expected: ['PAIR-A', 'PAIR-B'] });
      const none = assertRefused(
        await advise(pair.body.id, { unitCost: eur(400), sku: 'PAIR-A' }),
        422,
        'no_demand_yet',
      );
      assert.match(none.message, /send demand \{mean, standardDeviation\}/);
      const given = await advise(pair.body.id, {
        unitCost: eur(400),
        sku: 'PAIR-B',
        demand: { mean: 200, standardDeviation: 0 },
      });
      assert.equal(given.status, 200);
      assert.equal(given.body.targetUnits, 200);
      assert.equal(given.body.unitsToProduce, 200);
    });
  });
});
