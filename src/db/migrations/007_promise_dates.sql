-- Promises are dated: a customer's window never starts before the day it was told, and received units
-- are ready from the day they came, so time passing moves no promise (src/domain/promise.ts).
ALTER TABLE supply_batches ADD COLUMN received_on date;
UPDATE supply_batches SET received_on = updated_at::date WHERE quantity_received > 0;
ALTER TABLE preorders ADD COLUMN promised_on date;
UPDATE preorders SET promised_on = updated_at::date;
