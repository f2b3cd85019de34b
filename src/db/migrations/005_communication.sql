-- Communication: what the shop tells its customers and its own people, and the customer portal.

-- A shop's sender, its alert addresses and the secret its portal links are signed with. One row per shop,
-- written the first time anything asks for it (the secret is made then).
CREATE TABLE shop_communication (
  shop_id text NOT NULL REFERENCES shops (id),
  sender_name text,
  reply_to text,
  alert_emails text[] NOT NULL,
  -- HMAC key of portal and unsubscribe links; never shown after it is made.
  portal_secret text NOT NULL,
  -- The defaults are the application's (src/services/communication-settings.ts), written with the row.
  portal_link_days integer NOT NULL CHECK (portal_link_days BETWEEN 1 AND 365),
  balance_reminder_days integer NOT NULL CHECK (balance_reminder_days BETWEEN 0 AND 60),
  cancellation_alert_percent numeric(5, 2) NOT NULL CHECK (cancellation_alert_percent BETWEEN 0 AND 100),
  cancellation_alert_days integer NOT NULL CHECK (cancellation_alert_days BETWEEN 1 AND 90),
  ready_date_alert_days integer NOT NULL CHECK (ready_date_alert_days BETWEEN 0 AND 90),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id)
);

-- Per campaign: whether a delay past the first promised window needs the customer's consent, and what
-- happens without an answer.
CREATE TABLE campaign_delay_consent (
  shop_id text NOT NULL REFERENCES shops (id),
  campaign_id text NOT NULL,
  -- A campaign without a row has the application's defaults (src/services/communication-settings.ts).
  enabled boolean NOT NULL,
  answer_days integer NOT NULL CHECK (answer_days BETWEEN 1 AND 90),
  without_answer text NOT NULL CHECK (without_answer IN ('keep', 'cancel')),
  reminder_days integer[] NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, campaign_id)
);

-- Each time a delay asked a customer to keep or cancel: the answer (or what the deadline decided).
-- At most one question is open per pre-order: a later delay supersedes the open one.
CREATE TABLE delay_consents (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  preorder_id text NOT NULL,
  campaign_id text NOT NULL,
  old_from date,
  old_to date,
  new_from date,
  new_to date,
  status text NOT NULL CHECK (status IN ('open', 'kept', 'cancelled', 'superseded')),
  deadline_at timestamptz NOT NULL,
  -- customer, deadline, merchant (cancelled it by other means), system
  decided_by text,
  decided_at timestamptz,
  reminders_sent integer NOT NULL DEFAULT 0,
  requested_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id)
);
CREATE UNIQUE INDEX delay_consents_open ON delay_consents (shop_id, preorder_id) WHERE status = 'open';
CREATE INDEX delay_consents_deadline ON delay_consents (deadline_at) WHERE status = 'open';
CREATE INDEX delay_consents_preorder ON delay_consents (shop_id, preorder_id, requested_at);

-- A shop's own versions of email templates, by kind and language.
CREATE TABLE email_templates (
  shop_id text NOT NULL REFERENCES shops (id),
  kind text NOT NULL,
  language text NOT NULL,
  subject text NOT NULL,
  html text NOT NULL,
  text text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, kind, language)
);

-- Every message handed to the mail server, by its Message-ID: a retry of a delivery skips what went out.
CREATE TABLE sent_emails (
  shop_id text NOT NULL REFERENCES shops (id),
  message_id text NOT NULL,
  kind text NOT NULL,
  recipient text NOT NULL,
  subject text NOT NULL,
  event_id text,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, message_id)
);
CREATE INDEX sent_emails_recipient ON sent_emails (shop_id, recipient, sent_at);

-- With no SMTP server configured, messages are kept here (the demo's inbox shows them).
CREATE TABLE captured_emails (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  message_id text NOT NULL,
  recipient text NOT NULL,
  sender text NOT NULL,
  subject text NOT NULL,
  html text NOT NULL,
  text text NOT NULL,
  headers jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id)
);
CREATE INDEX captured_emails_created ON captured_emails (created_at, id);

-- Customers who asked for no more progress updates from a shop (transactional messages still go).
CREATE TABLE email_unsubscribes (
  shop_id text NOT NULL REFERENCES shops (id),
  email text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, email)
);

-- Progress updates a merchant writes for a campaign (or one batch's customers).
CREATE TABLE progress_updates (
  shop_id text NOT NULL REFERENCES shops (id),
  id text NOT NULL,
  campaign_id text NOT NULL,
  batch_id text,
  subject text NOT NULL,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'sent')),
  send_at timestamptz,
  recipients integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id)
);
CREATE INDEX progress_updates_due ON progress_updates (send_at) WHERE status IN ('scheduled', 'sending');

-- The customers of an update, numbered when it starts sending, and the chunks a sender claims (with a
-- lease) to send them. What was sent, or failed for good, is appended to progress_update_sends: a sender
-- that dies leaves its chunk's lease to run out, and the next one sends only the numbers without a row
-- there, under the same Message-ID.
CREATE TABLE progress_update_recipients (
  shop_id text NOT NULL REFERENCES shops (id),
  update_id text NOT NULL,
  n integer NOT NULL,
  email text NOT NULL,
  PRIMARY KEY (shop_id, update_id, n)
);

CREATE TABLE progress_update_chunks (
  shop_id text NOT NULL REFERENCES shops (id),
  update_id text NOT NULL,
  first_n integer NOT NULL,
  last_n integer NOT NULL,
  lease_until timestamptz,
  done boolean NOT NULL DEFAULT false,
  PRIMARY KEY (shop_id, update_id, first_n)
);

CREATE TABLE progress_update_sends (
  shop_id text NOT NULL REFERENCES shops (id),
  update_id text NOT NULL,
  n integer NOT NULL,
  -- retry: failed, to be tried again; failed: for good.
  status text NOT NULL CHECK (status IN ('sent', 'retry', 'failed')),
  attempts integer NOT NULL,
  last_error text,
  at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, update_id, n)
);

-- Things that happen at a time and must be noticed once: a promise that passed, a balance coming up, a
-- consent reminder, a merchant alert. The key names the thing and its occasion; inserting it claims it.
CREATE TABLE notices (
  shop_id text NOT NULL REFERENCES shops (id),
  key text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, key)
);

-- Live pre-orders by the end of their promised window, for the job that notices a window that passed.
CREATE INDEX preorders_promise_end ON preorders (promise_to)
  WHERE state IN ('confirmed', 'allocated', 'balance_due', 'ready') AND promise_to IS NOT NULL;
