-- A finished campaign and a variant no longer sold can be archived: they leave the default lists and
-- reports, and nothing new can use them. Null: not archived.
ALTER TABLE campaigns ADD COLUMN archived_at timestamptz;
ALTER TABLE variants ADD COLUMN archived_at timestamptz;
