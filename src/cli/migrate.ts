import { type Command, type Env, parseOptions, printHelp, resolveDatabase } from './args.ts';
import { describeDatabase, withDatabase } from './database.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations',
  help: `Usage: presell migrate [--data DIR]

Applies the migrations this database has not seen yet and lists them. Safe to run
again, and while other processes start: each migration is applied once.

Options:
      --data DIR    folder of the embedded database (env PRESELL_DATA; default ./.presell)
  -h, --help        show this help

Environment:
  DATABASE_URL      postgres://user:password@host:5432/db — migrate this server instead of the folder`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, { data: { type: 'string' } });
    if (options.help) return printHelp(this);
    const target = resolveDatabase(options.data, env);
    const { migrate } = await import('../db/migrate.ts');
    const { applied } = await withDatabase(target, migrate);
    const lines = [`Database: ${describeDatabase(target)}`];
    for (const name of applied) lines.push(`Applied ${name}`);
    lines.push(
      applied.length === 0
        ? 'Nothing to apply: the database is up to date.'
        : `The database is up to date (${applied.length} migration${applied.length === 1 ? '' : 's'} applied).`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
