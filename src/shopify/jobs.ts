/**
 * The Shopify adapter's jobs, safe in any number of processes: catalogue imports (leased per import, a
 * page at a time) and balances collected by mandate (claimed per pre-order, idempotent per try).
 */
import { type Loop, startLoop } from '../periodic.ts';
import { collectShopifyBalances } from './balances.ts';
import { runImports } from './catalogue.ts';
import type { Shopify } from './shopify.ts';

export async function runShopifyJobs(
  shopify: Shopify,
): Promise<{ importPages: number; balanceTries: number }> {
  const { pages } = await runImports(shopify);
  const { tries } = await collectShopifyBalances(shopify);
  return { importPages: pages, balanceTries: tries };
}

export function startShopifyJobLoop(
  shopify: Shopify,
  options: { intervalMs: number; onError: (error: unknown) => void },
): Loop {
  return startLoop(() => runShopifyJobs(shopify), options);
}
