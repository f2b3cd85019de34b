-- What a shop's customers see of it (emails, portal, hosted checkout): null is the default (the shop's name,
-- Presell's blue, no logo). src/domain/shop.ts checks them; the CHECKs keep any other writer honest.
ALTER TABLE shops ADD COLUMN brand_name text;
ALTER TABLE shops ADD COLUMN accent_color text CHECK (accent_color ~ '^#[0-9a-f]{6}$');
ALTER TABLE shops ADD COLUMN logo_url text CHECK (logo_url LIKE 'https://%');
