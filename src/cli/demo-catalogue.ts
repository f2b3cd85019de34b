/** The demo shop's products: what `presell demo` seeds into Presell and what its demo store shows. */

export interface DemoVariant {
  /** The store's own id for the variant, as Shopify's `?variant=` numbers. */
  id: string;
  sku: string;
  option: string;
  /** The store's own price, in cents, for its own button. */
  storePrice: number;
  onHand: number;
}

export interface DemoProduct {
  handle: string;
  name: string;
  description: string;
  /** Drawn by the demo store as a flat picture. */
  colour: string;
  variants: DemoVariant[];
}

export const LAUNCH: DemoProduct = {
  handle: 'aurora-lamp',
  name: 'Aurora desk lamp',
  description:
    'A dimmable brass-and-glass desk lamp, made in small batches. Pre-order now; ships from the first batch.',
  colour: '#c9a55a',
  variants: [
    { id: '41001', sku: 'AURORA-LAMP', option: 'Brass', storePrice: 12_900, onHand: 0 },
    { id: '41002', sku: 'AURORA-LAMP-GRAPHITE', option: 'Graphite', storePrice: 12_900, onHand: 0 },
    { id: '41003', sku: 'AURORA-LAMP-SAGE', option: 'Sage (limited edition)', storePrice: 14_900, onHand: 0 },
  ],
};

export const BACKORDER: DemoProduct = {
  handle: 'trail-mug',
  name: 'Trail mug, 350 ml',
  description: 'An enamel camping mug. Sand is sold out and back soon; Moss is in stock.',
  colour: '#8a9a6b',
  variants: [
    { id: '52001', sku: 'TRAIL-MUG', option: 'Sand', storePrice: 2_400, onHand: 0 },
    { id: '52002', sku: 'TRAIL-MUG-MOSS', option: 'Moss', storePrice: 2_400, onHand: 8 },
  ],
};

export const DEMO_PRODUCTS = [LAUNCH, BACKORDER];
