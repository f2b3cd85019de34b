import type { Database } from '../db/database.ts';
import { redactUrl } from '../db/database.ts';
import type { DatabaseTarget } from './args.ts';
import { displayPath, lockDataFolder, prepareDataFolder } from './data-folder.ts';

/** Which database a command works on, never with its password; logs read out of context get the full path. */
export function describeDatabase(target: DatabaseTarget, { fullPath = false } = {}): string {
  return target.kind === 'server'
    ? `PostgreSQL at ${redactUrl(target.url)}`
    : `embedded database in ${fullPath ? target.dataDir : displayPath(target.dataDir)}`;
}

/** Makes the target ready for this process (an embedded folder is created, checked and locked). */
export function claimDatabase(target: DatabaseTarget): () => void {
  if (target.kind === 'server') return () => {};
  prepareDataFolder(target.dataDir);
  return lockDataFolder(target.dataDir);
}

/** Opens the target for one short task and closes it afterwards, whatever happens. */
export async function withDatabase<T>(
  target: DatabaseTarget,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const release = claimDatabase(target);
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
    release();
  }
}
