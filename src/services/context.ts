import type { Database } from '../db/database.ts';

/** What every service needs from the shell: the database and the clock (a function, so tests can move time). */
export interface ServiceContext {
  db: Database;
  clock: () => Date;
}
