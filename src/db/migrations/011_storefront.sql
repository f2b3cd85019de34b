-- Where a pre-order placed through the hosted checkout ships to: one address per pre-order, written once.
-- Shard-ready: shop_id leads the key and every query. The foreign key to the pre-order,
-- (shop_id, preorder_id) -> preorders (shop_id, id), comes when preorders gets that key.
CREATE TABLE shipping_addresses (
  shop_id text NOT NULL REFERENCES shops (id),
  preorder_id text NOT NULL,
  name text NOT NULL,
  line1 text NOT NULL,
  line2 text,
  postal_code text NOT NULL,
  city text NOT NULL,
  country char(2) NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, preorder_id)
);
