import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { CliError } from './args.ts';

const LOCK_FILE = 'presell.lock';

/** The folder as the person would type it: relative to where they are, when it is below. */
export function displayPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : `./${rel}`;
}

/** Creates the data folder if needed and checks that it can be read and written. */
export function prepareDataFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new CliError(
      `cannot use data folder ${displayPath(dir)}: ${reason(error)}; choose another with --data or PRESELL_DATA`,
    );
  }
}

/** Whether the folder holds an embedded database (every PostgreSQL data folder has PG_VERSION). */
export function hasDatabase(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** The process that holds the folder now, and the URL it serves the API on (a server or the demo). */
export interface FolderHolder {
  pid: number;
  url: string | undefined;
}

/** Who holds the folder, or undefined when nobody does (no lock, or one left by a process that is gone). */
export function folderHolder(dir: string): FolderHolder | undefined {
  const holder = lockHolder(join(dir, LOCK_FILE));
  return isRunning(holder.pid) ? holder : undefined;
}

/** The data folder, taken: `release` gives it back; `announce` tells read commands where its API is. */
export interface HeldFolder {
  release(): void;
  announce(url: string): void;
}

/**
 * Takes the data folder for this process. The embedded engine has no lock of its own, and two processes
 * writing one folder corrupt it; a lock left by a process that is gone is taken over.
 */
export function lockDataFolder(dir: string): HeldFolder {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CliError(`cannot use data folder ${displayPath(dir)}: ${reason(error)}`);
      }
      const holder = lockHolder(path);
      if (attempt === 0 && !isRunning(holder.pid)) {
        unlinkSync(path);
        continue;
      }
      throw new CliError(
        `data folder ${displayPath(dir)} is in use by presell process ${holder.pid}${holder.url ? ` serving ${holder.url}` : ''}; stop it, or delete ${displayPath(path)} if that process is not presell`,
      );
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to give back.
    }
  };
  process.once('exit', release);
  const announce = (url: string) => {
    if (held) writeFileSync(path, `${process.pid}\n${url}\n`);
  };
  return { release, announce };
}

/**
 * The lock's first line is the holder's process id (NaN when the file is gone or garbled: a lock nobody
 * holds); the second, once it serves, its URL.
 */
function lockHolder(path: string): FolderHolder {
  try {
    const [pid = '', url] = readFileSync(path, 'utf8').split('\n');
    return { pid: Number.parseInt(pid, 10), url: url || undefined };
  } catch {
    return { pid: Number.NaN, url: undefined };
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function reason(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way, not a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return (error as Error).message;
  }
}
