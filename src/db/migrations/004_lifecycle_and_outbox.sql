-- The whole lifecycle, the outbox relay, and one place per rule.

-- The relay reads a shop's events in (tx_id, id) order, and only events of transactions older than every
-- transaction still running (pg_snapshot_xmin): a transaction that commits late can never slip behind a
-- consumer's position. `version` is the catalogue's version of the event's shape (src/domain/events.ts).
ALTER TABLE events
  ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE INDEX events_stream ON events (shop_id, tx_id, id);

-- Each consumer's place in each shop's stream, and who is delivering from it now (a lease).
CREATE TABLE outbox_positions (
  shop_id text NOT NULL REFERENCES shops (id),
  consumer text NOT NULL,
  tx_id xid8 NOT NULL DEFAULT '0',
  event_id text NOT NULL DEFAULT '',
  lease_owner text,
  lease_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, consumer)
);
CREATE INDEX outbox_positions_consumer ON outbox_positions (consumer, lease_until);

-- Deliveries that failed: retried on a schedule, then kept as dead letters until someone retries them.
CREATE TABLE outbox_failures (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  consumer text NOT NULL,
  event_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('retrying', 'dead')),
  attempts integer NOT NULL CHECK (attempts > 0),
  next_attempt_at timestamptz,
  last_error text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id),
  UNIQUE (shop_id, consumer, event_id),
  CHECK ((status = 'retrying') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX outbox_failures_due ON outbox_failures (consumer, next_attempt_at) WHERE status = 'retrying';

-- Every announced move of a customer's promise, kept apart from the event stream's retention.
CREATE TABLE promise_history (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  preorder_id text NOT NULL,
  cause text NOT NULL,
  old_from date,
  old_to date,
  new_from date,
  new_to date,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id)
);
CREATE INDEX promise_history_preorder ON promise_history (shop_id, preorder_id, id);
INSERT INTO promise_history (shop_id, id, preorder_id, cause, old_from, old_to, new_from, new_to, created_at)
SELECT shop_id, id, subject_id, data->>'cause',
  (data->'oldWindow'->>'from')::date, (data->'oldWindow'->>'to')::date,
  (data->'newWindow'->>'from')::date, (data->'newWindow'->>'to')::date, created_at
FROM events WHERE type = 'preorder.promise_changed';

-- Pre-orders: the shipment, the day the balance job should next look at them, and one priority range
-- (src/domain/promise.ts PRIORITY_RANGE; a test checks this constraint against it).
ALTER TABLE preorders
  ADD COLUMN shipped_at timestamptz,
  ADD COLUMN carrier text,
  ADD COLUMN tracking_number text,
  ADD COLUMN tracking_url text,
  -- When the plan next asks for money after the first step; null: nothing more, or not before a release.
  -- Written only from the domain's rule (src/domain/payment-plan.ts); the job checks it again.
  ADD COLUMN balance_due_at timestamptz,
  -- The plan waits for the product's release before it asks for more (set from the same rule).
  ADD COLUMN balance_on_release boolean NOT NULL DEFAULT false,
  DROP CONSTRAINT preorders_priority_check,
  ADD CONSTRAINT preorders_priority_range CHECK (priority BETWEEN 0 AND 1000);
-- Pre-orders placed before this column existed are looked at by the next pass, which sets it right.
UPDATE preorders SET balance_due_at = created_at
WHERE state IN ('confirmed', 'allocated', 'balance_due') AND payment_method_id IS NOT NULL;
CREATE INDEX preorders_balance_due ON preorders (balance_due_at) WHERE balance_due_at IS NOT NULL;

-- Units left under the cap and the supply limit: the one definition, read by the reservation and the offer.
-- `queue_version` counts every change of the variant's queue or supply other than a placement at its end,
-- so a process can tell whether the promise plan it keeps in memory is still the one in the database.
ALTER TABLE campaign_variants
  -- (least skips a null limit, greatest would skip a null difference: no limit at all is null, not 0.)
  ADD COLUMN units_left integer GENERATED ALWAYS AS (
    CASE WHEN cap IS NULL AND supply_limit IS NULL THEN NULL ELSE greatest(0, least(cap, supply_limit) - held) END
  ) STORED,
  ADD COLUMN queue_version bigint NOT NULL DEFAULT 0;

-- The answer a placement gave, stored once when it is final (it may wait for the payment step); null while
-- it is not, in which case a retry with the key resumes the pre-order it made.
ALTER TABLE idempotency_keys
  ALTER COLUMN outcome DROP NOT NULL,
  ADD COLUMN preorder_id text;
UPDATE idempotency_keys SET preorder_id = outcome->'placed'->>'id' WHERE outcome ? 'placed';

CREATE OR REPLACE FUNCTION presell_reserve(
  p_campaign text,
  p_customer_limit integer,
  p_variants text[],
  p_emails text[],
  p_quantities integer[]
) RETURNS TABLE (
  request integer, outcome text, units_before integer, variant_units_before integer, queue_position bigint,
  units_left integer
)
LANGUAGE plpgsql AS $$
DECLARE
  q integer;
  n integer := coalesce(array_length(p_quantities, 1), 0);
  v_shop text;
  v_units integer;
  v_position bigint;
  v_total integer;
  v_held integer;
BEGIN
  -- The caller holds this row's lock, so its two counters are kept here and written once at the end.
  SELECT shop_id, units_held, last_position INTO v_shop, v_units, v_position FROM campaigns WHERE id = p_campaign;

  -- The common case in a drop: every request of the batch fits. Then the whole batch is one conditional
  -- UPDATE of the variant's row and one upsert of the customers' holds, in queue order; otherwise (or when
  -- that UPDATE finds no room for all) each request is tried on its own below. Customer holds of this
  -- campaign change only under the campaign's lock, which the caller holds, so reading them here is safe.
  SELECT sum(x.q) INTO v_total FROM unnest(p_quantities) AS x(q);
  IF n > 1 AND (SELECT count(DISTINCT v) FROM unnest(p_variants) AS v) = 1 AND (
    p_customer_limit IS NULL OR NOT EXISTS (
      SELECT 1 FROM (SELECT e, sum(x) AS units FROM unnest(p_emails, p_quantities) AS r(e, x) GROUP BY e) AS a
      LEFT JOIN customer_holds h ON h.campaign_id = p_campaign AND h.email = a.e
      WHERE coalesce(h.units, 0) + a.units > p_customer_limit)
  ) THEN
    UPDATE campaign_variants cv SET held = held + v_total
      WHERE campaign_id = p_campaign AND variant_id = p_variants[1]
        AND (cv.units_left IS NULL OR cv.units_left >= v_total)
      RETURNING held - v_total INTO v_held;
    IF FOUND THEN
      INSERT INTO customer_holds AS h (shop_id, campaign_id, email, units)
        SELECT v_shop, p_campaign, e, sum(x) FROM unnest(p_emails, p_quantities) AS r(e, x) GROUP BY e
        ON CONFLICT (campaign_id, email) DO UPDATE SET units = h.units + excluded.units;
      units_left := NULL;
      outcome := 'held';
      FOR i IN 1 .. n LOOP
        request := i;
        units_before := v_units;
        variant_units_before := v_held;
        v_units := v_units + p_quantities[i];
        v_held := v_held + p_quantities[i];
        v_position := v_position + 1;
        queue_position := v_position;
        RETURN NEXT;
      END LOOP;
      UPDATE campaigns SET units_held = v_units, last_position = v_position WHERE id = p_campaign;
      RETURN;
    END IF;
  END IF;

  FOR i IN 1 .. n LOOP
    q := p_quantities[i];
    request := i;
    units_before := NULL;
    variant_units_before := NULL;
    queue_position := NULL;
    units_left := NULL;
    IF p_customer_limit IS NOT NULL AND q > p_customer_limit THEN
      outcome := 'per_customer_limit';
      RETURN NEXT;
      CONTINUE;
    END IF;
    UPDATE campaign_variants cv SET held = held + q
      WHERE campaign_id = p_campaign AND variant_id = p_variants[i]
        AND (cv.units_left IS NULL OR cv.units_left >= q)
      RETURNING held - q INTO variant_units_before;
    IF NOT FOUND THEN
      SELECT cv.units_left INTO units_left
        FROM campaign_variants cv WHERE campaign_id = p_campaign AND variant_id = p_variants[i];
      outcome := 'sold_out';
      RETURN NEXT;
      CONTINUE;
    END IF;
    INSERT INTO customer_holds AS h (shop_id, campaign_id, email, units)
      VALUES (v_shop, p_campaign, p_emails[i], q)
      ON CONFLICT (campaign_id, email) DO UPDATE SET units = h.units + excluded.units
      WHERE p_customer_limit IS NULL OR h.units + excluded.units <= p_customer_limit;
    IF NOT FOUND THEN
      UPDATE campaign_variants SET held = held - q WHERE campaign_id = p_campaign AND variant_id = p_variants[i];
      variant_units_before := NULL;
      outcome := 'per_customer_limit';
      RETURN NEXT;
      CONTINUE;
    END IF;
    units_before := v_units;
    v_units := v_units + q;
    v_position := v_position + 1;
    queue_position := v_position;
    outcome := 'held';
    RETURN NEXT;
  END LOOP;
  UPDATE campaigns SET units_held = v_units, last_position = v_position WHERE id = p_campaign;
END
$$;
