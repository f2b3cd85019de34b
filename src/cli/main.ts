import { readFileSync } from 'node:fs';
import { CliError, type Command, type Env, UsageError } from './args.ts';
import { demoCommand } from './demo.ts';
import { forecastCommand } from './forecast.ts';
import { jobCommand } from './job.ts';
import { migrateCommand } from './migrate.ts';
import { promiseCommand } from './promise.ts';
import { serveCommand } from './serve.ts';
import { shopCommand } from './shop.ts';
import { simulateCommand } from './simulate.ts';
import { workerCommand } from './worker.ts';

const COMMANDS: readonly Command[] = [
  demoCommand,
  serveCommand,
  workerCommand,
  migrateCommand,
  shopCommand,
  promiseCommand,
  forecastCommand,
  simulateCommand,
  jobCommand,
];

const HELP = `Usage: presell <command> [options]

Presell: pre-orders for product launches, with zero oversell.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)}${command.summary}`).join('\n')}

Options:
  -h, --help       show this help; 'presell <command> --help' shows a command's options
  -v, --version    print the version

Environment:
  DATABASE_URL     PostgreSQL server to use; otherwise the embedded database
  PRESELL_DATA     folder of the embedded database (default ./.presell; demo: ./.presell/demo)
  PORT             port for demo and serve (default 3000)
'presell serve --help' lists every setting.`;

const MAIN = { name: '', help: HELP };

/** Runs `presell <argv>` and returns the exit code: 0 done, 1 failed, 2 not understood. */
export async function main(argv: string[], env: Env = process.env): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) throw new UsageError('missing a command', MAIN);
    if (name === '--help' || name === '-h' || name === 'help') return printMainHelp(rest[0]);
    if (name === '--version' || name === '-v') {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (!command) throw new UsageError(`unknown command '${name}'`, MAIN);
    return await command.run(rest, env);
  } catch (error) {
    return report(error, env);
  }
}

function printMainHelp(topic: string | undefined): number {
  const command = COMMANDS.find((candidate) => candidate.name === topic);
  process.stdout.write(`${command?.help ?? HELP}\n`);
  return 0;
}

/**
 * Problems the person can fix, matched by name so that `--help` need not load the server and database
 * modules that define them: a setting that cannot work (exit 2, like a bad option) and the rest (exit 1).
 */
const SETTING_ERRORS = new Set(['SettingError', 'ConfigError', 'ShopifyConfigError', 'PortInUseError']);
const SETUP_ERRORS = new Set(['DatabaseUnavailableError']);

/** One line for the person at the terminal; a stack trace only for what is a bug in Presell. */
function report(error: unknown, env: Env): number {
  const say = (line: string) => process.stderr.write(`${hidePassword(line, env)}\n`);
  if (error instanceof UsageError) {
    const command = error.command;
    const prefix = command?.name ? `presell ${command.name}` : 'presell';
    say(`${prefix}: ${error.message}`);
    if (command) {
      say(firstLine(command.help));
      say(`Run '${prefix} --help' for more.`);
    }
    return 2;
  }
  if (error instanceof Error && SETTING_ERRORS.has(error.name)) {
    say(`presell: ${firstLine(error.message)}`);
    return 2;
  }
  if (error instanceof CliError || (error instanceof Error && SETUP_ERRORS.has(error.name))) {
    say(`presell: ${firstLine(error.message)}`);
    return 1;
  }
  say(`presell: unexpected error, please report it: ${(error as Error)?.stack ?? String(error)}`);
  return 1;
}

/** An unexpected error may quote the connection string; it never reaches the terminal with its password. */
function hidePassword(text: string, env: Env): string {
  const url = env.DATABASE_URL;
  if (!url || !text.includes(url)) return text;
  try {
    const redacted = new URL(url);
    if (redacted.password) redacted.password = '***';
    return text.replaceAll(url, redacted.toString());
  } catch {
    return text.replaceAll(url, '(DATABASE_URL)');
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function version(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(packageJson.version);
}
