-- The supply plan and each customer's promise.

ALTER TABLE campaigns
  ADD COLUMN buffer_days integer NOT NULL DEFAULT 7 CHECK (buffer_days BETWEEN 0 AND 365),
  ADD COLUMN fulfilment_policy text NOT NULL DEFAULT 'split' CHECK (fulfilment_policy IN ('split', 'ship_complete')),
  ADD COLUMN promise_tolerance_days integer NOT NULL DEFAULT 0 CHECK (promise_tolerance_days BETWEEN 0 AND 365),
  ADD COLUMN beyond_supply text NOT NULL DEFAULT 'to_be_confirmed'
    CHECK (beyond_supply IN ('sold_out', 'to_be_confirmed'));

CREATE TABLE supply_batches (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  campaign_id text NOT NULL REFERENCES campaigns (id),
  variant_id text NOT NULL REFERENCES variants (id),
  quantity integer NOT NULL CHECK (quantity > 0),
  ready_date date NOT NULL,
  buffer_days integer NOT NULL CHECK (buffer_days BETWEEN 0 AND 365),
  state text NOT NULL CHECK (state IN ('planned', 'confirmed', 'received')),
  quantity_received integer NOT NULL DEFAULT 0 CHECK (quantity_received >= 0),
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (campaign_id, variant_id) REFERENCES campaign_variants (campaign_id, variant_id)
);
CREATE INDEX supply_batches_variant ON supply_batches (campaign_id, variant_id);

-- The promise a customer was last told. Its history is the pre-order's `preorder.promise_changed` events.
ALTER TABLE preorders
  ADD COLUMN priority integer NOT NULL DEFAULT 0 CHECK (priority >= 0),
  ADD COLUMN promise_from date,
  ADD COLUMN promise_to date,
  ADD COLUMN promise_place_in_line integer,
  ADD COLUMN promise_batches jsonb NOT NULL DEFAULT '[]';
-- The line of customers waiting for supply, for a new placement to find its end without counting it.
CREATE INDEX preorders_waiting_line ON preorders (campaign_id, variant_id, promise_place_in_line)
  WHERE promise_place_in_line IS NOT NULL AND state <> 'cancelled';
