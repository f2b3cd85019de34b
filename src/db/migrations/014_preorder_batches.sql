-- The batches each pre-order's promise draws units from (promise_batches[].batchId), one row each, for
-- what is asked of a batch: its pre-orders in the admin list, its export, its progress update's recipients,
-- whether a batch can be deleted. Written with promise_batches by the one door for pre-order changes
-- (src/services/preorder-changes.ts). A GIN index on promise_batches answered these before, but every
-- update of a pre-order (its state, its money) paid for it: about a fifth of a launch's database time.
CREATE TABLE preorder_batches (
  shop_id text NOT NULL,
  batch_id text NOT NULL,
  preorder_id text NOT NULL,
  PRIMARY KEY (shop_id, batch_id, preorder_id),
  FOREIGN KEY (shop_id, preorder_id) REFERENCES preorders (shop_id, id)
);
CREATE INDEX preorder_batches_preorder ON preorder_batches (shop_id, preorder_id);

INSERT INTO preorder_batches (shop_id, batch_id, preorder_id)
SELECT DISTINCT p.shop_id, drawn->>'batchId', p.id
FROM preorders p, jsonb_array_elements(p.promise_batches) AS drawn;

DROP INDEX preorders_promise_batches;
