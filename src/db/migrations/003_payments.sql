-- Money: cancellation policies, the payment terms each pre-order locked, the ledger, and the provider
-- calls we intend to make.

-- The default policy refunds everything paid until the pre-order's units are in hand (allocated) and
-- keeps the deposit after that (see src/domain/refund-policy.ts). `released_at`: the product shipped
-- to customers in general, so balances due `on_release` (and pay-later charges) fall due.
ALTER TABLE campaigns
  ADD COLUMN cancellation_policy jsonb NOT NULL
    DEFAULT '{"fullRefundUntil": {"kind": "state", "state": "allocated"}}',
  ADD COLUMN released_at timestamptz;

-- `payment_terms` is the campaign's terms as they were at placement: with the locked total and the
-- current promise they give the pre-order's payment plan, which later changes of the campaign never touch.
-- The plan itself is not stored because a balance due N days before shipping moves with the promise.
ALTER TABLE preorders
  ADD COLUMN payment_terms jsonb,
  ADD COLUMN payment_customer_id text,
  ADD COLUMN payment_method_id text,
  -- A `placed` pre-order whose first payment step is not done by then gives its units back.
  ADD COLUMN placed_expires_at timestamptz,
  ADD COLUMN cancel_reason text,
  -- Balance tries so far (each try is a new provider call with its own key) and when the next may run.
  ADD COLUMN balance_attempts integer NOT NULL DEFAULT 0 CHECK (balance_attempts >= 0),
  ADD COLUMN balance_retry_at timestamptz;
UPDATE preorders p SET payment_terms = c.payment_terms FROM campaigns c WHERE c.id = p.campaign_id;
ALTER TABLE preorders ALTER COLUMN payment_terms SET NOT NULL;
CREATE INDEX preorders_placed_expiry ON preorders (placed_expires_at) WHERE state = 'placed';

-- Append-only: the code only ever inserts here, and a movement is booked once per idempotency key.
CREATE TABLE ledger_entries (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  campaign_id text NOT NULL REFERENCES campaigns (id),
  preorder_id text NOT NULL REFERENCES preorders (id),
  kind text NOT NULL CHECK (kind IN ('authorisation', 'charge', 'refund')),
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  provider text NOT NULL,
  payment_reference text NOT NULL,
  refund_reference text,
  idempotency_key text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);
CREATE INDEX ledger_entries_preorder ON ledger_entries (preorder_id, created_at);
CREATE INDEX ledger_entries_campaign ON ledger_entries (shop_id, campaign_id, created_at);

-- One row per provider call we intend to make, written before the call. A crash between the provider's
-- answer and our commit leaves the row `pending`; the job sends the same call with the same key again,
-- the provider answers as the first time, and the ledger books it once.
CREATE TABLE payment_operations (
  id text PRIMARY KEY,
  shop_id text NOT NULL REFERENCES shops (id),
  preorder_id text NOT NULL REFERENCES preorders (id),
  -- first_step: at placement; balance: a later charge off session; refund.
  purpose text NOT NULL CHECK (purpose IN ('first_step', 'balance', 'refund')),
  kind text NOT NULL CHECK (kind IN ('charge', 'refund', 'save')),
  amount bigint NOT NULL CHECK (amount >= 0),
  currency char(3) NOT NULL,
  -- The call's inputs, so that it can be sent again exactly.
  save_card boolean NOT NULL DEFAULT false,
  payment_method text,
  customer_id text,
  refunds_payment text,
  idempotency_key text NOT NULL UNIQUE,
  -- requires_action: waiting for the shopper (a client secret is out).
  status text NOT NULL CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error_code text,
  provider text NOT NULL,
  provider_ref text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX payment_operations_due ON payment_operations (next_attempt_at) WHERE status = 'pending';
CREATE INDEX payment_operations_preorder ON payment_operations (preorder_id);
CREATE INDEX payment_operations_ref ON payment_operations (provider_ref);
