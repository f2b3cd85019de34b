import { randomFillSync } from 'node:crypto';

/** Readable prefixes, one per kind of thing, as integrators know them from Stripe. */
export const ID_PREFIX = {
  shop: 'shop',
  apiKey: 'key',
  variant: 'var',
  campaign: 'cmp',
  preorder: 'po',
  event: 'evt',
  batch: 'bat',
  ledgerEntry: 'led',
  paymentOperation: 'pop',
  promiseChange: 'pch',
  deliveryFailure: 'dlf',
  shopifyImport: 'simp',
  shopifyBalance: 'sbal',
  shipment: 'shp',
  export: 'exp',
  job: 'job',
  webhookEndpoint: 'whe',
  auditEntry: 'aud',
  delayConsent: 'dcn',
  progressUpdate: 'upd',
  capturedEmail: 'eml',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMillis = 0;
let counter = 0;

/** Random bytes are drawn a pool at a time: one call into the system's generator serves 512 ids. */
const pool = Buffer.alloc(4096);
let pooled = 0;

/**
 * `po_01jd…`: a prefix, then 48 bits of milliseconds and 80 random bits in Crockford base32, so ids sort
 * by creation as strings. Ids made in the same millisecond by this process keep their order through a
 * counter, which takes the first 16 of the 80 bits.
 */
export function newId(kind: IdKind, now = Date.now()): string {
  if (now === lastMillis) counter++;
  else {
    lastMillis = now;
    counter = 0;
  }
  if (pooled < 8) {
    randomFillSync(pool);
    pooled = pool.length;
  }
  pooled -= 8;
  // The 80 bits as two 40-bit halves, each exact in a double and 8 base32 digits long.
  const high = (counter & 0xffff) * 2 ** 24 + pool.readUIntBE(pooled, 3);
  const low = pool.readUIntBE(pooled + 3, 5);
  return `${ID_PREFIX[kind]}_${base32(now, 10)}${base32(high, 8)}${base32(low, 8)}`;
}

/** `value` (a whole number below 2⁵³) in `length` base32 digits, the most significant first. */
function base32(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}
