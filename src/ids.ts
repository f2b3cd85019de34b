import { randomBytes } from 'node:crypto';

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

/**
 * `po_01jd…`: a prefix, then 48 bits of milliseconds and 80 random bits in Crockford base32, so ids sort
 * by creation as strings. Ids made in the same millisecond by this process keep their order through a counter.
 */
export function newId(kind: IdKind, now = Date.now()): string {
  if (now === lastMillis) counter++;
  else {
    lastMillis = now;
    counter = 0;
  }
  const random = randomBytes(10);
  random.writeUInt16BE(counter & 0xffff, 0);
  return `${ID_PREFIX[kind]}_${encode(BigInt(now), 10)}${encode(BigInt(`0x${random.toString('hex')}`), 16)}`;
}

function encode(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(rest & 31n)] + out;
    rest >>= 5n;
  }
  return out;
}
