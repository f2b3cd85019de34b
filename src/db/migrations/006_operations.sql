-- Operations: delays, fulfilment (addresses, exports, shipments), resumable bulk jobs, outgoing webhooks,
-- self-running backorders and the merchant's audit log. New tables are shard-ready: shop_id leads every key.

-- Pre-orders and campaigns are referenced by (shop_id, id) from the new tables.
DROP INDEX preorders_shop;
ALTER TABLE preorders ADD CONSTRAINT preorders_shop_id_id_key UNIQUE (shop_id, id);
DROP INDEX campaigns_shop;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_shop_id_id_key UNIQUE (shop_id, id);

ALTER TABLE preorders
  -- Where it ships: {name, line1, line2, postalCode, city, region, country, phone}; changeable until exported.
  ADD COLUMN shipping_address jsonb,
  -- The first window the customer was told: a delay past it asks for their consent.
  ADD COLUMN first_promise_from date,
  ADD COLUMN first_promise_to date,
  -- Units shipped so far (the shipments table has each parcel); fulfilled once every unit shipped.
  ADD COLUMN units_shipped integer NOT NULL DEFAULT 0,
  -- The export that handed it to fulfilment; it is not exported again unless asked.
  ADD COLUMN export_id text,
  ADD COLUMN exported_at timestamptz,
  ADD CONSTRAINT preorders_units_shipped CHECK (units_shipped BETWEEN 0 AND quantity);
UPDATE preorders SET first_promise_from = promise_from, first_promise_to = promise_to;
UPDATE preorders p SET first_promise_from = h.old_from, first_promise_to = h.old_to
FROM (SELECT DISTINCT ON (shop_id, preorder_id) shop_id, preorder_id, old_from, old_to FROM promise_history
      WHERE old_to IS NOT NULL ORDER BY shop_id, preorder_id, id) AS h
WHERE p.shop_id = h.shop_id AND p.id = h.preorder_id;
UPDATE preorders SET units_shipped = quantity WHERE state = 'fulfilled';
-- Ready to ship, in queue order, for the export.
CREATE INDEX preorders_ready ON preorders (shop_id, campaign_id, (-priority), queue_position) WHERE state = 'ready';

-- Why a promise moved, in the merchant's words (a slip's reason).
ALTER TABLE promise_history ADD COLUMN reason text;

-- A backorder campaign paused by itself because stock is back; it opens itself when stock runs out again.
ALTER TABLE campaigns ADD COLUMN stock_paused boolean NOT NULL DEFAULT false;

-- Each parcel: a pre-order ships whole in one, or (split policy) in several.
CREATE TABLE shipments (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  preorder_id text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  carrier text,
  tracking_number text,
  tracking_url text,
  shipped_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id),
  FOREIGN KEY (shop_id, preorder_id) REFERENCES preorders (shop_id, id)
);
CREATE INDEX shipments_preorder ON shipments (shop_id, preorder_id);
INSERT INTO shipments (shop_id, id, preorder_id, quantity, carrier, tracking_number, tracking_url, shipped_at, created_at)
SELECT shop_id, 'shp_' || substr(id, 4), id, quantity, carrier, tracking_number, tracking_url, shipped_at, shipped_at
FROM preorders WHERE state = 'fulfilled' AND shipped_at IS NOT NULL;

CREATE TABLE exports (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  campaign_id text NOT NULL,
  batch_id text,
  include_exported boolean NOT NULL,
  preorders integer NOT NULL DEFAULT 0,
  missing_address integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id),
  FOREIGN KEY (shop_id, campaign_id) REFERENCES campaigns (shop_id, id)
);

-- Resumable bulk work: a job and its items, each item applied once, in the transaction that marks it.
CREATE TABLE jobs (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  kind text NOT NULL,
  -- staging: items still being written; queued/running: items being applied; done; refused: an
  -- all-or-nothing job that found a bad item and applied none.
  status text NOT NULL CHECK (status IN ('staging', 'queued', 'running', 'done', 'refused')),
  params jsonb NOT NULL DEFAULT '{}',
  all_or_nothing boolean NOT NULL DEFAULT false,
  total integer NOT NULL DEFAULT 0,
  done integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (shop_id, id)
);
CREATE INDEX jobs_open ON jobs (status, updated_at) WHERE status IN ('queued', 'running');

CREATE TABLE job_items (
  shop_id text NOT NULL,
  job_id text NOT NULL,
  seq integer NOT NULL,
  -- The line of the uploaded file it came from, when it came from one.
  line integer,
  payload jsonb,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  error_code text,
  error_message text,
  PRIMARY KEY (shop_id, job_id, seq),
  FOREIGN KEY (shop_id, job_id) REFERENCES jobs (shop_id, id)
);
CREATE INDEX job_items_pending ON job_items (shop_id, job_id, seq) WHERE status = 'pending';
CREATE INDEX job_items_failed ON job_items (shop_id, job_id, seq) WHERE status = 'failed';

-- Outgoing webhooks: the merchant's endpoints, each with its own secrets (several during a rotation).
CREATE TABLE webhook_endpoints (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  url text NOT NULL,
  description text,
  event_types text[] NOT NULL,
  status text NOT NULL CHECK (status IN ('enabled', 'disabled')),
  disabled_reason text,
  -- [{secret, createdAt, expiresAt}], newest first; never shown again after it was made.
  secrets jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id)
);

-- One row per endpoint and event tried: a retry of the event skips the endpoints that already have it.
CREATE TABLE webhook_deliveries (
  shop_id text NOT NULL,
  endpoint_id text NOT NULL,
  event_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('delivered', 'failed', 'gone')),
  attempts integer NOT NULL,
  last_status integer,
  last_error text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, endpoint_id, event_id),
  FOREIGN KEY (shop_id, endpoint_id) REFERENCES webhook_endpoints (shop_id, id) ON DELETE CASCADE
);

-- Every merchant action: which key, when, what, and the thing it acted on before and after.
CREATE TABLE audit_log (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  key_id text NOT NULL,
  key_hint text NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  subject_id text,
  request jsonb,
  status integer NOT NULL,
  error_code text,
  before jsonb,
  after jsonb,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id)
);
CREATE INDEX audit_log_subject ON audit_log (shop_id, subject_id, id);
