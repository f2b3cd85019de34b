-- Shops, keys, variants, campaigns, pre-orders, idempotency and the event outbox.
-- Ids are text: a readable prefix and a time-sortable body (see src/ids.ts).

CREATE TABLE shops (
  id text PRIMARY KEY,
  name text NOT NULL,
  currency char(3) NOT NULL,
  time_zone text NOT NULL,
  locale text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Keys are stored as SHA-256 digests; the key itself is shown once, when it is made.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  kind text NOT NULL CHECK (kind IN ('secret', 'publishable')),
  key_digest text NOT NULL UNIQUE,
  hint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_shop ON api_keys (shop_id);

CREATE TABLE variants (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  sku text NOT NULL,
  name text NOT NULL,
  external_id text,
  on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (shop_id, sku),
  UNIQUE (shop_id, external_id)
);

CREATE TABLE campaigns (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  name text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('preorder', 'backorder')),
  status text NOT NULL CHECK (status IN ('draft', 'scheduled', 'open', 'paused', 'closed')),
  opens_at timestamptz,
  closes_at timestamptz,
  per_customer_limit integer CHECK (per_customer_limit > 0),
  price_amount bigint NOT NULL CHECK (price_amount >= 0),
  currency char(3) NOT NULL,
  early_bird jsonb NOT NULL DEFAULT '[]',
  payment_terms jsonb NOT NULL,
  wording jsonb NOT NULL DEFAULT '{}',
  -- Units held over all variants: early-bird tiers count these. Changed only under this row's lock.
  units_held integer NOT NULL DEFAULT 0 CHECK (units_held >= 0),
  -- The queue: each placement takes the next position, under this row's lock.
  last_position bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (closes_at IS NULL OR opens_at IS NULL OR opens_at < closes_at)
);
CREATE INDEX campaigns_shop ON campaigns (shop_id, id);

-- The cap lives here and the database itself refuses a row that holds more than its cap.
CREATE TABLE campaign_variants (
  shop_id text NOT NULL REFERENCES shops (id),
  campaign_id text NOT NULL REFERENCES campaigns (id),
  variant_id text NOT NULL REFERENCES variants (id),
  cap integer CHECK (cap >= 0),
  held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
  -- When the merchant sells only what the supply plan covers, placements also stop here. Null: no such
  -- limit. It may fall below `held` when a batch shrinks, which refuses new units and touches no one.
  supply_limit integer CHECK (supply_limit >= 0),
  PRIMARY KEY (campaign_id, variant_id),
  CHECK (cap IS NULL OR held <= cap)
);
CREATE INDEX campaign_variants_variant ON campaign_variants (variant_id);

-- Units each customer holds in a campaign, for the per-customer limit.
CREATE TABLE customer_holds (
  shop_id text NOT NULL REFERENCES shops (id),
  campaign_id text NOT NULL REFERENCES campaigns (id),
  email text NOT NULL,
  units integer NOT NULL CHECK (units >= 0),
  PRIMARY KEY (campaign_id, email)
);

CREATE TABLE preorders (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  campaign_id text NOT NULL REFERENCES campaigns (id),
  variant_id text NOT NULL REFERENCES variants (id),
  email text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  queue_position bigint NOT NULL,
  unit_amount bigint NOT NULL CHECK (unit_amount >= 0),
  total_amount bigint NOT NULL CHECK (total_amount >= 0),
  currency char(3) NOT NULL,
  price_lines jsonb NOT NULL,
  state text NOT NULL CHECK (
    state IN ('placed', 'confirmed', 'allocated', 'balance_due', 'ready', 'fulfilled', 'cancelled')
  ),
  idempotency_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, queue_position)
);
CREATE INDEX preorders_shop ON preorders (shop_id, id);
CREATE INDEX preorders_campaign ON preorders (campaign_id, queue_position);
CREATE INDEX preorders_email ON preorders (shop_id, email);

-- One row per key a client sent: the request it stood for and its outcome, replayed on a retry.
CREATE TABLE idempotency_keys (
  shop_id text NOT NULL REFERENCES shops (id),
  key text NOT NULL,
  request_digest text NOT NULL,
  outcome jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, key)
);

-- The outbox: every state change writes its event in the same transaction.
CREATE TABLE events (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  type text NOT NULL,
  subject_id text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_shop ON events (shop_id, id);
CREATE INDEX events_subject ON events (subject_id, id);

-- The reservation hot path: a batch of placements in one campaign, sent in one round trip. The caller
-- has locked the campaign row, so every counter of a campaign changes in one order and positions follow
-- commit order. For each request, in queue order: the per-customer limit and the cap (and supply limit)
-- are each one conditional UPDATE; a request that fails either holds nothing. It reports the units of the
-- campaign and of the variant ahead of each held request: early-bird tiers and promises follow from them.
CREATE FUNCTION presell_reserve(
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
    UPDATE campaign_variants SET held = held + v_total
      WHERE campaign_id = p_campaign AND variant_id = p_variants[1]
        AND (cap IS NULL OR held + v_total <= cap) AND (supply_limit IS NULL OR held + v_total <= supply_limit)
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
    UPDATE campaign_variants SET held = held + q
      WHERE campaign_id = p_campaign AND variant_id = p_variants[i]
        AND (cap IS NULL OR held + q <= cap) AND (supply_limit IS NULL OR held + q <= supply_limit)
      RETURNING held - q INTO variant_units_before;
    IF NOT FOUND THEN
      -- LEAST skips a missing limit: what is left under whichever limits there are.
      SELECT greatest(0, least(cap, supply_limit) - held) INTO units_left
        FROM campaign_variants WHERE campaign_id = p_campaign AND variant_id = p_variants[i];
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
