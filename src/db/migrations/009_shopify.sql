-- The Shopify adapter: connected stores, their verified webhooks, the catalogue's mapping, selling plan groups,
-- holds carried through Shopify's cart, order lines turned into pre-orders, and balances collected by mandate.
--
-- Every table but shopify_domains is keyed by shop_id first. Foreign keys to `preorders` and `variants` are
-- left out until those tables carry shop_id in a unique key (they are not shard-ready yet); the ids are
-- written only by the adapter's services, which read them back under the same shop_id.

-- What a store platform's order beyond the cap gets: its line cancelled and refunded with an apology, or
-- accepted at the end of the queue (the cap grows by its units).
ALTER TABLE campaigns
  ADD COLUMN oversell_policy text NOT NULL DEFAULT 'cancel' CHECK (oversell_policy IN ('cancel', 'accept'));

-- A reference table (one small copy on every node when sharded): webhooks and the OAuth callback name a
-- store domain before Presell knows the shop, and this finds it without visiting every shard.
CREATE TABLE shopify_domains (
  domain text PRIMARY KEY,
  shop_id text NOT NULL
);

CREATE TABLE shopify_connections (
  shop_id text NOT NULL REFERENCES shops (id),
  domain text NOT NULL,
  -- oauth: installed through the app's install link; custom_app: the store's own app gave its admin token.
  method text NOT NULL CHECK (method IN ('oauth', 'custom_app')),
  -- Encrypted with PRESELL_SHOPIFY_TOKEN_KEY (AES-256-GCM); null once the store uninstalled the app.
  access_token text,
  -- A custom app signs its webhooks with its own secret (encrypted too); null: the Shopify app's secret.
  webhook_secret text,
  scopes text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('active', 'uninstalled')),
  connected_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id),
  CHECK ((status = 'active') = (access_token IS NOT NULL))
);

-- Every verified delivery, once: Shopify retries, so its webhook id is the key. The payload is kept only
-- until the adapter has handled it (it holds customer data).
CREATE TABLE shopify_webhooks (
  shop_id text NOT NULL REFERENCES shops (id),
  webhook_id text NOT NULL,
  topic text NOT NULL,
  payload jsonb,
  received_at timestamptz NOT NULL,
  handled_at timestamptz,
  PRIMARY KEY (shop_id, webhook_id)
);

-- A Presell variant mirrored from a Shopify variant (variants.external_id is the Shopify variant's id), and
-- the inventory policy Presell last set on it: DENY makes it unsellable at the cap, CONTINUE sells again.
CREATE TABLE shopify_variants (
  shop_id text NOT NULL REFERENCES shops (id),
  variant_id text NOT NULL,
  shopify_variant_id text NOT NULL,
  shopify_product_id text NOT NULL,
  inventory_policy text CHECK (inventory_policy IN ('DENY', 'CONTINUE')),
  deleted_at timestamptz,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, variant_id),
  UNIQUE (shop_id, shopify_variant_id)
);
CREATE INDEX shopify_variants_product ON shopify_variants (shop_id, shopify_product_id);

-- A catalogue import, page by page: the cursor after the last page committed, so a stopped import resumes.
CREATE TABLE shopify_imports (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  cursor text,
  pages integer NOT NULL DEFAULT 0,
  variants integer NOT NULL DEFAULT 0,
  -- A runner holds the import until then; another may take it over after.
  lease_until timestamptz,
  last_error text,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (shop_id, id)
);
CREATE UNIQUE INDEX shopify_imports_one_running ON shopify_imports (shop_id) WHERE status = 'running';

-- The selling plan group that mirrors a campaign's terms on Shopify, and what it was last set to.
CREATE TABLE shopify_selling_plans (
  shop_id text NOT NULL REFERENCES shops (id),
  campaign_id text NOT NULL,
  group_id text NOT NULL,
  plan_id text NOT NULL,
  input_digest text NOT NULL,
  shopify_variant_ids jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL,
  -- Deleted on Shopify (the campaign closed); kept so that orders placed with the plan still find the campaign.
  deleted_at timestamptz,
  PRIMARY KEY (shop_id, campaign_id),
  UNIQUE (shop_id, plan_id)
);

-- A hold made for Shopify's cart is a placed pre-order (units held, queue position, promise) that expires
-- unless an order takes it; its token travels as a line item property.
CREATE TABLE shopify_holds (
  shop_id text NOT NULL REFERENCES shops (id),
  token text NOT NULL,
  preorder_id text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, token),
  UNIQUE (shop_id, preorder_id)
);

-- What became of each order line sold with Presell's selling plan: its pre-order, or its refusal.
CREATE TABLE shopify_order_lines (
  shop_id text NOT NULL REFERENCES shops (id),
  line_item_id text NOT NULL,
  order_id text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('preorder', 'refused')),
  preorder_id text,
  -- The customer's vaulted payment method for the balance (orderCreateMandatePayment).
  mandate_id text,
  fulfilment_released_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, line_item_id),
  CHECK ((outcome = 'preorder') = (preorder_id IS NOT NULL))
);
CREATE INDEX shopify_order_lines_order ON shopify_order_lines (shop_id, order_id);
CREATE UNIQUE INDEX shopify_order_lines_preorder ON shopify_order_lines (shop_id, preorder_id);

-- A balance asked of Shopify, written before the call: sent again with the same idempotency key after a
-- crash, Shopify answers as the first time and the ledger books it once.
CREATE TABLE shopify_mandate_payments (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  preorder_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  idempotency_key text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  payment_reference text,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id),
  UNIQUE (shop_id, idempotency_key)
);
CREATE INDEX shopify_mandate_payments_open ON shopify_mandate_payments (shop_id, preorder_id) WHERE status = 'pending';
