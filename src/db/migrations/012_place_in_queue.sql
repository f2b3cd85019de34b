-- A customer is shown their place among the campaign's live pre-orders: the stored queue position less the
-- cancelled pre-orders placed before it (placeInQueue, src/services/preorders.ts). Cancelled pre-orders are
-- few beside the live ones, so this partial index makes that count a small index-only scan.
CREATE INDEX preorders_cancelled_in_queue ON preorders (shop_id, campaign_id, queue_position)
  WHERE state = 'cancelled';
