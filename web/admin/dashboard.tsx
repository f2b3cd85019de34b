/** The launch dashboard: the API's aggregates for one campaign, and its cash from the cash report. */
import { ApiError, api } from './api.ts';
import { BarChart, LineChart, type Series } from './charts.tsx';
import { count, day, money, percent } from './format.ts';
import type { Campaign, CashReport, Dashboard } from './types.ts';
import { Refusal, useLoad } from './ui.tsx';

function cumulative(points: { date: string; value: number }[]) {
  let sum = 0;
  return points.map((point) => {
    sum += point.value;
    return { date: point.date, value: sum };
  });
}

/** Cumulative demand and supply over the same dates, so the gap between the lines is what is unpromised. */
function demandAndSupply(dashboard: Dashboard): Series[] {
  const demand = cumulative(dashboard.days.map((d) => ({ date: d.date, value: d.units })));
  const supply = cumulative(
    [{ date: dashboard.days[0]?.date ?? dashboard.supply[0]?.date ?? '', value: dashboard.onHand }]
      .concat(dashboard.supply.map((s) => ({ date: s.date, value: s.units })))
      .filter((p) => p.date !== ''),
  );
  return [
    { name: 'Units ordered (cumulative)', points: demand, tone: 'primary' },
    { name: 'Supply by ready date (cumulative)', points: supply, step: true, tone: 'secondary' },
  ];
}

/** Cancelled ÷ placed so far, day by day. */
function cancellationRate(dashboard: Dashboard) {
  let placed = 0;
  let cancelled = 0;
  return dashboard.days.map((d) => {
    placed += d.placed;
    cancelled += d.cancelled;
    return { date: d.date, value: placed === 0 ? 0 : (100 * cancelled) / placed };
  });
}

export function DashboardScreen(props: { campaign: Campaign; version: number }) {
  const id = props.campaign.id;
  const figures = useLoad(() => api<Dashboard>('GET', `/v1/campaigns/${id}/dashboard`), [id, props.version]);
  const cash = useLoad(
    () =>
      api<CashReport>('GET', `/v1/reports/cash?campaign=${id}`).catch((error: unknown) => {
        // A shop without a payment provider has no cash report (404): the dashboard shows the rest.
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    [id, props.version],
  );
  const dashboard = figures.value;
  if (figures.error) return <Refusal error={figures.error} />;
  if (!dashboard) return <p aria-busy="true">Loading the figures…</p>;
  const placed = dashboard.days.reduce((sum, d) => sum + d.placed, 0);
  const cancelled = dashboard.days.reduce((sum, d) => sum + d.cancelled, 0);
  const placements = dashboard.days.map((d) => ({ date: d.date, value: d.placed }));
  const campaignCash = cash.value?.campaigns.find((c) => c.campaignId === id);
  const rate = placed === 0 ? 0 : cancelled / placed;
  return (
    <div class="dashboard">
      <section class="tiles" aria-label="Key figures">
        <div class="tile">
          <h3 id="held-label">Units held</h3>
          <p class="figure" data-figure="units-held">
            {count(dashboard.unitsHeld)}
            {dashboard.cap !== null && <span class="of"> of {count(dashboard.cap)}</span>}
          </p>
          {dashboard.cap !== null && (
            <meter aria-labelledby="held-label" min={0} max={dashboard.cap} value={dashboard.unitsHeld} />
          )}
        </div>
        <div class="tile">
          <h3>Pre-orders</h3>
          <p class="figure" data-figure="preorders">
            {count(placed)}
          </p>
        </div>
        <div class="tile">
          <h3>Unpromised units</h3>
          <p class="figure" data-figure="unpromised">
            {count(dashboard.unpromisedUnits)}
          </p>
        </div>
        <div
          class={rate * 100 >= dashboard.cancellationAlert.percent && cancelled > 0 ? 'tile alert' : 'tile'}
        >
          <h3>Cancellation rate</h3>
          <p class="figure" data-figure="cancellation-rate">
            {percent(rate)}
          </p>
          <small>alert at {dashboard.cancellationAlert.percent} %</small>
        </div>
      </section>

      <section class="panel">
        <h3>Pre-orders per day and in all</h3>
        <LineChart
          label={`Pre-orders per day and cumulative: ${placed} in all over ${dashboard.days.length} days`}
          series={[
            { name: 'Per day', points: placements, tone: 'secondary' },
            { name: 'Cumulative', points: cumulative(placements), tone: 'primary' },
          ]}
        />
      </section>

      <section class="panel">
        <h3>Demand against supply</h3>
        <LineChart
          label={`Cumulative units ordered against cumulative supply by ready date; ${dashboard.unpromisedUnits} units unpromised`}
          series={demandAndSupply(dashboard)}
        />
      </section>

      <section class="panel">
        <h3>Cash</h3>
        {cash.error ? (
          <Refusal error={cash.error} />
        ) : campaignCash ? (
          <>
            <dl class="cash">
              <div>
                <dt>Collected</dt>
                <dd data-figure="collected">{money(campaignCash.collected)}</dd>
              </div>
              <div>
                <dt>Refunded</dt>
                <dd data-figure="refunded">{money(campaignCash.refunded)}</dd>
              </div>
              <div>
                <dt>At risk</dt>
                <dd>{money(campaignCash.atRisk)}</dd>
              </div>
              <div>
                <dt>Refundable if all cancelled</dt>
                <dd>{money(campaignCash.refundableIfAllCancelled)}</dd>
              </div>
            </dl>
            <table>
              <caption>Balances due by week</caption>
              <thead>
                <tr>
                  <th scope="col">Week of</th>
                  <th scope="col">Due</th>
                </tr>
              </thead>
              <tbody>
                {campaignCash.scheduled.length === 0 && (
                  <tr>
                    <td colSpan={2}>No balances to collect</td>
                  </tr>
                )}
                {campaignCash.scheduled.map((due) => (
                  <tr key={due.week ?? 'release'}>
                    <td>{due.week === null ? 'On release' : day(due.week)}</td>
                    <td>{money(due.amount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          <p>{cash.value === null ? 'No payment provider: no cash to report.' : 'Loading…'}</p>
        )}
      </section>

      <section class="panel">
        <h3>Cancellation rate over time</h3>
        <LineChart
          label={`Share of pre-orders cancelled so far, ${percent(rate)} now; the alert threshold is ${dashboard.cancellationAlert.percent} %`}
          series={[{ name: 'Cancelled, % of placed', points: cancellationRate(dashboard), tone: 'primary' }]}
          threshold={{ value: dashboard.cancellationAlert.percent, name: 'Alert threshold' }}
          format={(value) => `${Math.round(value)} %`}
        />
      </section>

      <section class="panel">
        <h3>Customers by promised ship week</h3>
        <BarChart
          label={`Customers by the week their promise starts: ${dashboard.shipWeeks
            .map((w) => `${w.customers} in the week of ${w.week}`)
            .join(', ')}`}
          bars={dashboard.shipWeeks.map((w) => ({ name: day(w.week), value: w.customers }))}
        />
      </section>
    </div>
  );
}
