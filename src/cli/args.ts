import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export type Env = Record<string, string | undefined>;

/** One `presell …` command; `help` starts with its usage line. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(argv: string[], env: Env): Promise<number>;
}

/** The person typed something we do not understand: exit 2 with the usage line. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly command?: Pick<Command, 'name' | 'help'>,
  ) {
    super(message);
  }
}

/** Something the person can fix went wrong (the port, the folder, the database): exit 1, one line. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Help goes to stdout and succeeds: the person asked for it. */
export function printHelp(command: Pick<Command, 'help'>): number {
  process.stdout.write(`${command.help}\n`);
  return 0;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** Parses a command's options strictly: unknown options and stray arguments are usage errors. */
export function parseOptions<const O extends OptionsConfig>(command: Command, argv: string[], options: O) {
  return parseCommandLine(command, argv, options, false).values;
}

/** Like parseOptions, for a command that also takes arguments (`presell promise CAMPAIGN`). */
export function parseCommandLine<const O extends OptionsConfig>(
  command: Command,
  argv: string[],
  options: O,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options: { ...options, ...HELP_OPTION }, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(describeParseError(error), command);
  }
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = /--[\w-]+/.exec(message)?.[0] ?? 'an option';
      return message.includes('does not take') ? `${option} takes no value` : `${option} needs a value`;
    }
    default:
      return message.split('\n')[0] ?? message;
  }
}

export const SERVER_OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  data: { type: 'string' },
} as const;

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA = './.presell';

/** `--port`, else `PORT`, else 3000; 0 asks the system for any free port. */
export function resolvePort(flag: string | undefined, env: Env): number {
  const [raw, source] = flag !== undefined ? [flag, '--port'] : [env.PORT, 'PORT'];
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535, not "${raw}"`);
  }
  return port;
}

/** Where the data lives: a PostgreSQL server named by DATABASE_URL, or the embedded engine in a folder. */
export type DatabaseTarget = { kind: 'server'; url: string } | { kind: 'embedded'; dataDir: string };

/**
 * `DATABASE_URL` when set, else the embedded engine in `--data`, `PRESELL_DATA` or `defaultDir`.
 * `--data` together with DATABASE_URL is refused rather than silently ignoring one of them.
 */
export function resolveDatabase(
  dataFlag: string | undefined,
  env: Env,
  defaultDir = DEFAULT_DATA,
): DatabaseTarget {
  const url = env.DATABASE_URL;
  if (url) {
    if (dataFlag !== undefined) {
      throw new UsageError('--data and DATABASE_URL are both set; unset DATABASE_URL to use the data folder');
    }
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new UsageError('DATABASE_URL must be a postgres:// or postgresql:// URL');
    }
    return { kind: 'server', url };
  }
  return { kind: 'embedded', dataDir: resolveDataDir(dataFlag, env, defaultDir) };
}

/** `--data`, else `PRESELL_DATA`, else `defaultDir`, as an absolute path. */
export function resolveDataDir(dataFlag: string | undefined, env: Env, defaultDir: string): string {
  const dir = dataFlag ?? (env.PRESELL_DATA || defaultDir);
  if (dir === '') throw new UsageError('--data needs a folder');
  return resolve(dir);
}
