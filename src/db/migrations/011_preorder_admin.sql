-- The admin app's pre-order table filters by batch and by payment status, and a pre-order's page lists
-- the emails it caused.

-- What the ledger charged and refunded, added to by the statement that books each movement
-- (payment-operations.ts book), so that the payment status below is a column an index can serve. The
-- ledger stays the record; these are its sums in integer minor units.
ALTER TABLE preorders
  ADD COLUMN charged_amount bigint NOT NULL DEFAULT 0 CHECK (charged_amount >= 0),
  ADD COLUMN refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0);
UPDATE preorders p SET charged_amount = l.charged, refunded_amount = l.refunded
FROM (SELECT shop_id, preorder_id,
        coalesce(sum(amount) FILTER (WHERE kind = 'charge'), 0) AS charged,
        coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS refunded
      FROM ledger_entries GROUP BY shop_id, preorder_id) AS l
WHERE p.shop_id = l.shop_id AND p.id = l.preorder_id;

-- Where a pre-order's money stands, defined here once (PAYMENT_STATUSES in src/domain/ledger.ts
-- lists the words):
--   refunded      some or all of what was paid was given back
--   paid          the whole total is charged (a free pre-order, with nothing to charge, stays unpaid)
--   failed        a balance charge failed and its retry is scheduled (balance_retry_at)
--   deposit_paid  part of the total is charged (the deposit), the balance is not yet
--   unpaid        nothing charged yet (payment pending, or a card saved for later)
ALTER TABLE preorders ADD COLUMN payment_status text GENERATED ALWAYS AS (
  CASE
    WHEN refunded_amount > 0 THEN 'refunded'
    WHEN charged_amount > 0 AND charged_amount >= total_amount THEN 'paid'
    WHEN balance_retry_at IS NOT NULL THEN 'failed'
    WHEN charged_amount > 0 THEN 'deposit_paid'
    ELSE 'unpaid'
  END
) STORED;
CREATE INDEX preorders_payment_status ON preorders (shop_id, payment_status, id);

-- The pre-orders a batch serves: their promise draws units from it (promise_batches[].batchId). A GIN
-- index cannot lead with shop_id; batch ids are unique across shops, and every query filters shop_id too.
CREATE INDEX preorders_promise_batches ON preorders USING gin (promise_batches jsonb_path_ops);

-- Each message the email consumer sends or fails to send, for the pre-order it is about. `failed`: the mail
-- server refused it or could not be reached on the last try; the relay tries again on its schedule.
ALTER TABLE sent_emails
  ADD COLUMN preorder_id text,
  ADD COLUMN language text,
  ADD COLUMN status text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'failed')),
  ADD COLUMN error text;
CREATE INDEX sent_emails_preorder ON sent_emails (shop_id, preorder_id, sent_at) WHERE preorder_id IS NOT NULL;
