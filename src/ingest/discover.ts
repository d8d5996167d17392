import { promises as fs } from 'node:fs';
import path from 'node:path';

import picomatch from 'picomatch';

import { RagError } from '../errors.js';
import { classifyFile, HEAD_BYTES } from './loaders/detect.js';

/** A file found by {@link discoverFiles} that a loader can read. */
export interface SourceFile {
  absPath: string;
  /** The ingest argument this file was found under, absolute. */
  origin: string;
  /** Path relative to origin's directory root (POSIX '/'), used as docId. */
  relPath: string;
  size: number;
}

/** A file that was not ingested, and why. */
export interface LoadNotice {
  /** Absolute path of the file. */
  path: string;
  kind: 'skipped' | 'failed';
  reason: string;
}

export interface DiscoverOptions {
  /**
   * Globs (picomatch) a file's relPath must match to be ingested. A pattern without a slash
   * matches the file name at any depth (`*.md`). Default: every loadable file.
   */
  include?: string[];
  /**
   * Globs (picomatch) that drop files, matched like `include`. A directory whose relPath matches
   * is not entered at all (`--exclude drafts`).
   */
  exclude?: string[];
}

/**
 * Find the files to ingest under `paths`.
 *
 * A directory is walked recursively and its files get relPaths relative to it; a file argument
 * gets its base name. Hidden files and folders (name starting with `.`) and `node_modules` are
 * not entered (a hidden file named explicitly is still taken). Symbolic links are followed, each
 * directory visited once. Files of unknown type or with binary content come back as `skipped`
 * notices; so does a second file with a relPath already taken (its docId would collide). The
 * same file reached twice is listed once.
 *
 * Files are sorted by relPath (then absolute path), notices by path.
 *
 * @throws RagError when a path does not exist or cannot be read.
 */
export async function discoverFiles(
  paths: string[],
  options: DiscoverOptions = {},
): Promise<{ files: SourceFile[]; notices: LoadNotice[] }> {
  const include = globMatcher(options.include);
  const exclude = globMatcher(options.exclude);

  const candidates: { absPath: string; origin: string; relPath: string }[] = [];
  for (const given of paths) {
    const origin = path.resolve(given);
    const stat = await statOrThrow(origin, given);
    if (stat.isDirectory()) {
      await walk(origin, '', origin, new Set([await fs.realpath(origin)]), exclude, candidates);
    } else if (stat.isFile()) {
      candidates.push({ absPath: origin, origin, relPath: path.basename(origin) });
    } else {
      throw new RagError(`not a file or directory: ${given}`);
    }
  }

  const files: SourceFile[] = [];
  const notices: LoadNotice[] = [];
  const seenReal = new Set<string>();
  const byRelPath = new Map<string, string>();
  for (const c of candidates) {
    if (include && !include(c.relPath)) continue;
    if (exclude && exclude(c.relPath)) continue;
    const real = await fs.realpath(c.absPath);
    if (seenReal.has(real)) continue;
    seenReal.add(real);
    const earlier = byRelPath.get(c.relPath);
    if (earlier !== undefined) {
      notices.push({
        path: c.absPath,
        kind: 'skipped',
        reason: `document id "${c.relPath}" is already used by ${earlier}; ingest the two folders into separate indexes or rename one`,
      });
      continue;
    }
    let size: number;
    let head: Buffer;
    try {
      ({ size, head } = await readHead(c.absPath));
    } catch (err) {
      notices.push({ path: c.absPath, kind: 'failed', reason: `cannot read: ${errorMessage(err)}` });
      continue;
    }
    const detection = classifyFile(c.absPath, head);
    if (detection.format === null) {
      notices.push({ path: c.absPath, kind: 'skipped', reason: detection.reason });
      continue;
    }
    byRelPath.set(c.relPath, c.absPath);
    files.push({ ...c, size });
  }
  files.sort((a, b) => compare(a.relPath, b.relPath) || compare(a.absPath, b.absPath));
  notices.sort((a, b) => compare(a.path, b.path));
  return { files, notices };
}

async function statOrThrow(absPath: string, given: string): Promise<import('node:fs').Stats> {
  try {
    return await fs.stat(absPath);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) {
      throw new RagError(`path not found: ${given} (resolved to ${absPath}); check the spelling or the working directory`, {
        cause: err,
      });
    }
    throw new RagError(`cannot read ${given}: ${errorMessage(err)}`, { cause: err });
  }
}

async function walk(
  dir: string,
  relDir: string,
  origin: string,
  visited: Set<string>,
  exclude: PathMatcher | null,
  out: { absPath: string; origin: string; relPath: string }[],
): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => compare(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const absPath = path.join(dir, entry.name);
    const relPath = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await fs.stat(absPath).catch(() => null);
      if (target === null) continue; // dangling link: nothing to read
      isDir = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDir) {
      if (exclude && exclude(relPath)) continue;
      const real = await fs.realpath(absPath);
      if (visited.has(real)) continue;
      visited.add(real);
      await walk(absPath, relPath, origin, visited, exclude, out);
    } else if (isFile) {
      out.push({ absPath, origin, relPath });
    }
  }
}

type PathMatcher = (relPath: string) => boolean;

/**
 * A pattern without a slash is matched against the last path segment, one with a slash against
 * the whole relPath. (picomatch's own `basename` option broke patterns that contain a slash.)
 */
function globMatcher(patterns: string[] | undefined): PathMatcher | null {
  if (!patterns || patterns.length === 0) return null;
  const options = { dot: true };
  const onName = patterns.filter((p) => !p.includes('/'));
  const onPath = patterns.filter((p) => p.includes('/'));
  const nameMatch = onName.length > 0 ? picomatch(onName, options) : null;
  const pathMatch = onPath.length > 0 ? picomatch(onPath, options) : null;
  return (relPath) =>
    (nameMatch !== null && nameMatch(relPath.slice(relPath.lastIndexOf('/') + 1))) ||
    (pathMatch !== null && pathMatch(relPath));
}

async function readHead(absPath: string): Promise<{ size: number; head: Buffer }> {
  const handle = await fs.open(absPath, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { size, head: head.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === code;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
