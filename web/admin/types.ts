/** The parts of the API's answers the screens read (the OpenAPI document at /openapi.json has them whole). */
import type { Money } from './api.ts';

export interface CampaignVariant {
  variantId: string;
  sku: string;
  cap: number | null;
  held: number;
  unitsLeft: number | null;
}

export interface EarlyBirdTier {
  name: string;
  firstUnits?: number | null;
  until?: string | null;
  unitAmount?: number | null;
  percentOff?: number | null;
}

export type PaymentTerms =
  | { kind: 'full' }
  | { kind: 'deposit'; percent?: number | null; amount?: number | null; balanceDue?: unknown }
  | { kind: 'later' };

export interface PromiseSettings {
  bufferDays: number;
  policy: 'split' | 'ship_complete';
  toleranceDays: number;
  beyondSupply: 'sold_out' | 'to_be_confirmed';
}

export interface Campaign {
  id: string;
  name: string;
  mode: 'preorder' | 'backorder';
  status: 'draft' | 'scheduled' | 'open' | 'paused' | 'closed';
  opensAt: string | null;
  closesAt: string | null;
  perCustomerLimit: number | null;
  price: Money;
  earlyBird: EarlyBirdTier[];
  paymentTerms: PaymentTerms;
  promiseSettings: PromiseSettings;
  cancellationPolicy: {
    fullRefundUntil: { kind: 'date'; date: string } | { kind: 'state'; state: string } | null;
  };
  oversellPolicy: 'cancel' | 'accept';
  releasedAt: string | null;
  unitsHeld: number;
  variants: CampaignVariant[];
}

export interface Dashboard {
  campaignId: string;
  currency: string;
  timeZone: string;
  unitsHeld: number;
  cap: number | null;
  onHand: number;
  days: { date: string; placed: number; units: number; cancelled: number }[];
  supply: { date: string; batchId: string; units: number; state: string }[];
  unpromisedUnits: number;
  shipWeeks: { week: string; customers: number; units: number }[];
  cancellationAlert: { percent: number; windowDays: number };
}

export interface CashFigures {
  collected: Money;
  refunded: Money;
  net: Money;
  scheduled: { week: string | null; amount: Money }[];
  atRisk: Money;
  refundableIfAllCancelled: Money;
}

export interface CashReport {
  currency: string;
  campaigns: (CashFigures & { campaignId: string })[];
}

export interface Batch {
  id: string;
  variantId: string;
  sku: string;
  quantity: number;
  readyDate: string;
  bufferDays: number;
  state: 'planned' | 'confirmed' | 'received';
  quantityReceived: number;
  note: string | null;
}

export interface SlipPreview {
  readyDate: { from: string; to: string };
  moved: number;
  announced: number;
  quiet: number;
  losePromise: number;
  pastFirstPromise: { preorders: number };
  money: { paid: number; deposits: number; balancesNotCollected: number };
  currency: string;
  expectedCancellations: { rate: number; preorders: number };
  notices: { kind: string; customers: number }[];
}

export const PREORDER_STATES = [
  'placed',
  'confirmed',
  'allocated',
  'balance_due',
  'ready',
  'fulfilled',
  'cancelled',
] as const;

/** Where a pre-order's money stands (the API's `paymentStatus`). */
export const PAYMENT_STATUSES = ['unpaid', 'deposit_paid', 'failed', 'paid', 'refunded'] as const;

export interface Preorder {
  id: string;
  campaignId: string;
  sku: string;
  email: string;
  quantity: number;
  queuePosition: number;
  total: Money;
  state: (typeof PREORDER_STATES)[number];
  paymentStatus: (typeof PAYMENT_STATUSES)[number];
  promise: { status: 'promised' | 'unpromised'; message: string } | null;
  createdAt: string;
}

export interface PreorderDetail extends Preorder {
  promiseHistory: {
    at: string;
    cause: string;
    reason: string | null;
    oldWindow: { from: string; to: string } | null;
    newWindow: { from: string; to: string } | null;
  }[];
  money: { charged: Money; refunded: Money; outstanding: Money };
}

export interface PreorderEmail {
  messageId: string;
  kind: string;
  language: string | null;
  subject: string;
  to: string;
  status: 'sent' | 'failed';
  at: string;
  error: string | null;
}

/** A bulk job (GET /v1/jobs/{id}): a bulk cancel or an import, with how far it got. */
export interface Job {
  id: string;
  kind: string;
  status: 'staging' | 'queued' | 'running' | 'done' | 'refused';
  total: number;
  done: number;
  failed: number;
  left: number;
  failures: { line: number | null; code: string; message: string }[];
}
