/**
 * One writer at a time per index directory: an exclusive `lock` file holding who owns it.
 *
 * The lock file is written completely under a temp name and then hard-linked to `lock`:
 * link() fails with EEXIST exactly like open(O_CREAT|O_EXCL) ("wx"), but a reader can never
 * see a half-written lock file. Where hard links are unsupported we fall back to "wx".
 *
 * A lock whose process is gone (same host, `kill(pid, 0)` says ESRCH) is stale and is taken
 * over; one from another host cannot be checked and is waited for.
 */
import { hostname } from 'node:os';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { unlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RagError } from '../errors.js';
import { isErrno } from './atomic.js';

export const LOCK_FILE = 'lock';
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** What a lock file says about its owner. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO timestamp of when the lock was taken. */
  startedAt: string;
}

export interface LockOptions {
  /** How long to wait for another live writer before failing. Default 10 s. */
  timeoutMs?: number;
  /** How the directory is named in messages (default: `dir` as given). */
  displayName?: string;
}

/** A held lock. `release()` is idempotent and only removes the file if it is still ours. */
export interface IndexLock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): Promise<void>;
}

/** Unparseable lock files younger than this may be in the middle of being written ("wx" fallback). */
const UNREADABLE_GRACE_MS = 5_000;

/** Locks this process holds, removed on exit if the code never got to release them. */
const heldLocks = new Map<string, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [path, content] of heldLocks) {
      try {
        if (readFileSync(path, 'utf8') === content) unlinkSync(path);
      } catch {
        // Best effort: a lock we cannot remove is stale once we are gone and gets taken over.
      }
    }
  });
}

/** Whether a process with this pid exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return !isErrno(error, 'ESRCH');
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, hostname: host, startedAt } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
    if (typeof host !== 'string' || typeof startedAt !== 'string') return undefined;
    return { pid, hostname: host, startedAt };
  } catch {
    return undefined;
  }
}

/** Tries once to create the lock file; false if it already exists. */
async function tryCreate(path: string, content: string): Promise<boolean> {
  const temp = `${path}.tmp-${process.pid}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    if (!isErrno(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV')) throw error;
    return tryCreateExclusive(path, content);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function tryCreateExclusive(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
}

type Existing = { kind: 'gone' } | { kind: 'stale'; content: string } | { kind: 'held'; content: string; owner?: LockOwner };

async function inspect(path: string): Promise<Existing> {
  let content: string;
  let mtimeMs: number;
  try {
    content = await readFile(path, 'utf8');
    mtimeMs = (await stat(path)).mtimeMs;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { kind: 'gone' };
    throw error;
  }
  const owner = parseOwner(content);
  if (owner === undefined) {
    return Date.now() - mtimeMs > UNREADABLE_GRACE_MS ? { kind: 'stale', content } : { kind: 'held', content };
  }
  if (owner.hostname === hostname()) {
    // Our own pid in a lock we do not hold: a previous process that had the same pid (common
    // in containers, where every run may get the same pid) died with the lock.
    const ours = owner.pid === process.pid && heldLocks.get(path) !== content;
    if (ours || !processAlive(owner.pid)) return { kind: 'stale', content };
  }
  return { kind: 'held', content, owner };
}

/**
 * Removes a stale lock, but only if it is still the same stale lock: it is first renamed away
 * (atomic), then checked; if another process replaced it in between, it is put back.
 */
async function removeStale(path: string, staleContent: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleContent);
  if (moved !== staleContent) {
    // We moved a live lock someone took a moment ago: restore it (link fails if a third
    // process already created a new one, which then owns the index).
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function lockedMessage(display: string, owner: LockOwner | undefined): string {
  const who =
    owner === undefined
      ? 'another rag process'
      : `another rag process (pid ${owner.pid}${owner.hostname === hostname() ? '' : ` on ${owner.hostname}`}, since ${owner.startedAt})`;
  return `index ${display} is locked by ${who}; wait for it to finish or delete ${join(display, LOCK_FILE)} if that process is gone`;
}

/**
 * Takes the write lock of index directory `dir` (which must exist), waiting up to
 * `timeoutMs` for a live holder. Throws a RagError naming the holder when it times out.
 */
export async function acquireLock(dir: string, options: LockOptions = {}): Promise<IndexLock> {
  const path = join(dir, LOCK_FILE);
  const display = options.displayName ?? dir;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  const content = `${JSON.stringify(owner)}\n`;
  let delay = 25;
  for (;;) {
    if (await tryCreate(path, content)) break;
    const existing = await inspect(path);
    if (existing.kind === 'gone') continue;
    if (existing.kind === 'stale') {
      await removeStale(path, existing.content);
      continue;
    }
    if (Date.now() >= deadline) throw new RagError('index-locked', lockedMessage(display, existing.owner));
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 250);
  }

  heldLocks.set(path, content);
  installExitHook();
  let released = false;
  return {
    path,
    owner,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      heldLocks.delete(path);
      const current = await readFile(path, 'utf8').catch(() => undefined);
      if (current === content) await unlink(path).catch(() => undefined);
    },
  };
}
