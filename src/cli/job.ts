import { type Command, type Env, parseCommandLine, printHelp, UsageError } from './args.ts';
import { progressBar } from './chart.ts';
import { findReadSource, type ReadSource, readThroughApi, withExistingDatabase } from './read-source.ts';

export const jobCommand: Command = {
  name: 'job',
  summary: 'Show a bulk job’s progress (an import, a mass cancellation) as a bar; --watch until it ends',
  help: `Usage: presell job JOB [--watch] [--json] [--data DIR]

Shows a bulk job's progress: items done, failed and left, as a bar, and each refused item with its
line and reason. --watch redraws the bar until the job has finished (the server or a worker runs it).
It reads the database and never creates one; beside a running serve or demo, which holds the folder, it
asks that process's API (with the demo's key, or PRESELL_ADMIN_KEY).

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
    const source = findReadSource(options.data, env);
    const tty = process.stdout.isTTY === true;
    return readJob(source, jobId, this, async (read) => {
      let job = await read.job();
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
        job = await read.job();
      }
      const failures = await read.failures();
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
      if (failures.more) out.push('  … GET /v1/jobs/{id}/failures lists them all');
      process.stdout.write(`${out.join('\n')}\n`);
      return 0;
    });
  },
};

/** A job's progress as `--json` prints it: the fields of GET /v1/jobs/{id}, whichever way it was read. */
interface JobProgress {
  id: string;
  kind: string;
  status: string;
  allOrNothing: boolean;
  total: number;
  done: number;
  failed: number;
  createdAt: string;
  finishedAt: string | null;
}

interface JobFailures {
  data: { seq: number; line: number | null; code: string; message: string }[];
  more: boolean;
}

/** The most refused items the command shows. */
const FAILURES_SHOWN = 1000;

/** Reads the job from the database, or through the API of the process that holds its folder. */
async function readJob<T>(
  source: ReadSource,
  jobId: string,
  command: Command,
  work: (read: { job(): Promise<JobProgress>; failures(): Promise<JobFailures> }) => Promise<T>,
): Promise<T> {
  if (source.kind === 'api') {
    const path = `/v1/jobs/${encodeURIComponent(jobId)}`;
    const notFound = `no job ${jobId} in the shop of that key`;
    return work({
      job: async () => jobProgress(await readThroughApi<JobProgress>(source, path, command, notFound)),
      failures: async () => {
        const page = await readThroughApi<{ data: JobFailures['data']; nextCursor: number | null }>(
          source,
          `${path}/failures?limit=${FAILURES_SHOWN}`,
          command,
          notFound,
        );
        return { data: page.data, more: page.nextCursor !== null };
      },
    });
  }
  const { getJob, jobFailures } = await import('../services/bulk-jobs.ts');
  return withExistingDatabase(source.target, async (db) => {
    const [owner] = await db.query<{ shop_id: string }>('SELECT shop_id FROM jobs WHERE id = $1', [jobId]);
    if (!owner) throw new UsageError(`no job ${jobId} in this database`, command);
    const ctx = { db, clock: () => new Date() };
    return work({
      job: async () => jobProgress(await getJob(ctx, owner.shop_id, jobId)),
      failures: async () => {
        const page = await jobFailures(ctx, owner.shop_id, jobId, { limit: FAILURES_SHOWN });
        return { data: page.data, more: page.nextSeq !== null };
      },
    });
  });
}

/** The fields `--json` prints, times as ISO 8601 whether they came as dates (the database) or text (the API). */
function jobProgress(
  job: Omit<JobProgress, 'createdAt' | 'finishedAt'> & {
    createdAt: Date | string;
    finishedAt: Date | string | null;
  },
): JobProgress {
  const { id, kind, status, allOrNothing, total, done, failed } = job;
  return {
    id,
    kind,
    status,
    allOrNothing,
    total,
    done,
    failed,
    createdAt: new Date(job.createdAt).toISOString(),
    finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
  };
}
