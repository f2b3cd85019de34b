import { type Command, type Env, parseCommandLine, printHelp, UsageError } from './args.ts';
import { progressBar } from './chart.ts';
import { findReadDatabase, withExistingDatabase } from './read-source.ts';

export const jobCommand: Command = {
  name: 'job',
  summary: 'Show a bulk job’s progress (an import, a mass cancellation) as a bar; --watch until it ends',
  help: `Usage: presell job JOB [--watch] [--json] [--data DIR]

Shows a bulk job's progress: items done, failed and left, as a bar, and each refused item with its
line and reason. --watch redraws the bar until the job has finished (the server or a worker runs it;
with the embedded database that is this folder's own process, so watch it on PostgreSQL).

Options:
      --watch      keep watching until the job is done or refused
      --json       print the job as one JSON object (with --watch: once it has finished)
      --data DIR   folder of the embedded database (env PRESELL_DATA; default ./.presell, then
                   ./.presell/demo); never created
  -h, --help       show this help

Environment:
  DATABASE_URL     postgres://user:password@host:5432/db — read the job from this server`,

  async run(argv: string[], env: Env) {
    const { values: options, positionals } = parseCommandLine(this, argv, {
      watch: { type: 'boolean' },
      json: { type: 'boolean' },
      data: { type: 'string' },
    });
    if (options.help) return printHelp(this);
    const [jobId, ...extra] = positionals;
    if (!jobId || extra.length > 0) throw new UsageError('name one job id (job_…)', this);
    const target = findReadDatabase(options.data, env);
    const { getJob, jobFailures } = await import('../services/bulk-jobs.ts');
    const tty = process.stdout.isTTY === true;
    return withExistingDatabase(target, async (db) => {
      const [owner] = await db.query<{ shop_id: string }>('SELECT shop_id FROM jobs WHERE id = $1', [jobId]);
      if (!owner) throw new UsageError(`no job ${jobId} in this database`, this);
      const ctx = { db, clock: () => new Date() };
      let job = await getJob(ctx, owner.shop_id, jobId);
      const finished = () => job.status === 'done' || job.status === 'refused';
      let last = '';
      for (;;) {
        const line = progressBar(job);
        if (!options.json && line !== last) {
          process.stdout.write(tty ? `\r${line}` : `${line}\n`);
          last = line;
        }
        if (!options.watch || finished()) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
        job = await getJob(ctx, owner.shop_id, jobId);
      }
      const failures = await jobFailures(ctx, owner.shop_id, jobId, { limit: 1000 });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...job, failures: failures.data })}\n`);
        return 0;
      }
      const out = [
        `${tty ? '\n' : ''}${job.kind} ${job.id}: ${job.status}${job.allOrNothing ? ' (all or nothing)' : ''}`,
      ];
      for (const failure of failures.data) {
        out.push(
          `  ${failure.line === null ? `item ${failure.seq}` : `line ${failure.line}`}: ${failure.code}: ${failure.message}`,
        );
      }
      if (failures.nextSeq !== null) out.push('  … GET /v1/jobs/{id}/failures lists them all');
      process.stdout.write(`${out.join('\n')}\n`);
      return 0;
    });
  },
};
