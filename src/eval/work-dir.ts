/**
 * eval's temporary index folders (`rag-eval-*`, tens of MB each): removed when the run ends, on
 * exit (a second Ctrl-C, SIGTERM), and, for runs that could not clean up (SIGKILL, power loss),
 * by the next run in the same parent folder. Each folder carries an owner file with the pid and
 * the process start time, so a recycled pid never makes a dead run's folder look alive.
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { processAlive } from '../store/lock.js';

export const WORK_DIR_PREFIX = 'rag-eval-';
/** The owner file inside each work folder. */
export const OWNER_FILE = 'owner.json';
/**
 * Folders that rag versions before owner files left: removed once this old, and only when they
 * look exactly like one (a mkdtemp name holding nothing but per-model index folders).
 */
const LEGACY_AGE_MS = 24 * 60 * 60 * 1000;

interface Owner {
  pid: number;
  hostname: string;
  /** Start time of the process in clock ticks since boot (Linux), or null where unknown. */
  startTicks: string | null;
}

/** Work folders of this process, removed synchronously on exit if the run never got to it. */
const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of live) rmSync(dir, { recursive: true, force: true });
  });
}

/** A process's start time (field 22 of /proc/PID/stat), undefined where there is no /proc. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export interface WorkDir {
  readonly path: string;
  /** Folders of dead runs that were removed before this one was made. */
  readonly removedStale: string[];
  remove(): Promise<void>;
}

/**
 * Removes the stale work folders in `parent`, then creates this run's one (with its owner file)
 * and registers it for removal on exit.
 */
export async function createWorkDir(parent: string): Promise<WorkDir> {
  await mkdir(parent, { recursive: true });
  const removedStale = await removeStaleWorkDirs(parent);
  installExitHook();
  const dir = await mkdtemp(path.join(parent, WORK_DIR_PREFIX));
  live.add(dir);
  const owner: Owner = { pid: process.pid, hostname: hostname(), startTicks: processStartTicks(process.pid) ?? null };
  try {
    await writeFile(path.join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
  } catch (error) {
    live.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    path: dir,
    removedStale,
    async remove(): Promise<void> {
      await rm(dir, { recursive: true, force: true });
      live.delete(dir);
    },
  };
}

/** Removes the `rag-eval-*` folders in `parent` whose run is gone; returns their paths. */
export async function removeStaleWorkDirs(parent: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(WORK_DIR_PREFIX)) continue;
    const dir = path.join(parent, name);
    if (live.has(dir)) continue;
    try {
      if (!(await isStale(dir, name))) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Not ours to judge (unreadable, being removed by another run): leave it.
    }
  }
  return removed;
}

async function isStale(dir: string, name: string): Promise<boolean> {
  const info = await stat(dir);
  if (!info.isDirectory()) return false;
  let text: string | undefined;
  try {
    text = await readFile(path.join(dir, OWNER_FILE), 'utf8');
  } catch {
    text = undefined;
  }
  if (text === undefined) return isLegacyLeftover(dir, name, info.mtimeMs);
  const owner = parseOwner(text);
  // Unparseable: a run between mkdtemp and its owner file, or not a folder of ours.
  if (owner === undefined || owner.hostname !== hostname()) return false;
  if (!processAlive(owner.pid)) return true;
  // Alive, but is it the same process? A pid is reused once its owner is gone.
  const ticks = processStartTicks(owner.pid);
  return owner.startTicks !== null && ticks !== undefined && ticks !== owner.startTicks;
}

async function isLegacyLeftover(dir: string, name: string, mtimeMs: number): Promise<boolean> {
  if (!/^rag-eval-[A-Za-z0-9]{6}$/.test(name) || Date.now() - mtimeMs < LEGACY_AGE_MS) return false;
  const entries = await readdir(dir);
  return entries.every((entry) => /^m\d+$/.test(entry));
}

function parseOwner(text: string): Owner | undefined {
  try {
    const value = JSON.parse(text) as Partial<Owner>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || typeof value.hostname !== 'string') return undefined;
    const startTicks = typeof value.startTicks === 'string' ? value.startTicks : null;
    return { pid: value.pid, hostname: value.hostname, startTicks };
  } catch {
    return undefined;
  }
}
