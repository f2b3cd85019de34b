import type { Database } from '../db/database.ts';
import { redactUrl } from '../db/database.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Shop } from '../services/shops.ts';
import { type Command, type DatabaseTarget, UsageError } from './args.ts';
import { displayPath, type HeldFolder, lockDataFolder, prepareDataFolder } from './data-folder.ts';

/** Which database a command works on, never with its password; logs read out of context get the full path. */
export function describeDatabase(target: DatabaseTarget, { fullPath = false } = {}): string {
  return target.kind === 'server'
    ? `PostgreSQL at ${redactUrl(target.url)}`
    : `embedded database in ${fullPath ? target.dataDir : displayPath(target.dataDir)}`;
}

/** Makes the target ready for this process (an embedded folder is created, checked and locked). */
export function claimDatabase(target: DatabaseTarget): HeldFolder {
  if (target.kind === 'server') return { release: () => {}, announce: () => {} };
  prepareDataFolder(target.dataDir);
  return lockDataFolder(target.dataDir);
}

/** Opens the target for one short task and closes it afterwards, whatever happens. */
export async function withDatabase<T>(
  target: DatabaseTarget,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const folder = claimDatabase(target);
  try {
    const { openDatabase } = await import('../db/database.ts');
    const db = await openDatabase(
      target.kind === 'server' ? { url: target.url, poolSize: 2 } : { dataDir: target.dataDir },
    );
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  } finally {
    folder.release();
  }
}

/**
 * Opens an existing database for a command about one campaign: with the campaign's shop found (whichever
 * shop it is: the person at the terminal holds the database) and the wall clock. An unknown campaign is a
 * usage error.
 */
export async function withCampaign<T>(
  target: DatabaseTarget,
  campaignId: string,
  command: Pick<Command, 'name' | 'help'>,
  work: (ctx: ServiceContext, shop: Shop) => Promise<T>,
): Promise<T> {
  const { withExistingDatabase } = await import('./read-source.ts');
  const { getShop } = await import('../services/shops.ts');
  return withExistingDatabase(target, async (db) => {
    const [owner] = await db.query<{ shop_id: string }>('SELECT shop_id FROM campaigns WHERE id = $1', [
      campaignId,
    ]);
    if (!owner) throw new UsageError(`no campaign ${campaignId} in this database`, command);
    const ctx = { db, clock: () => new Date() };
    return work(ctx, await getShop(ctx, owner.shop_id));
  });
}
