import { promises as fs } from 'node:fs';
import path from 'node:path';

import { createRequire } from 'node:module';
import type Picomatch from 'picomatch';

import { RagError } from '../errors.js';
import { codeForSystemError, noticeKind, systemErrorParams } from './failures.js';
import type { NoticeCode, NoticeKind } from './failures.js';
import { DEFAULT_MAX_FILE_SIZE, tooLargeParams } from './limits.js';
import { classifyFile, HEAD_BYTES } from './loaders/detect.js';
import { reason, reasonText, type NoticeParams, type NoticeReason, type NoticeReasonCode } from './notice-reasons.js';

/** A file found by {@link discoverFiles} that a loader can read. */
export interface SourceFile {
  absPath: string;
  /** The ingest argument this file was found under, absolute. */
  origin: string;
  /** Path relative to origin's directory root (POSIX '/'), used as docId. */
  relPath: string;
  size: number;
}

/** A file (or folder) that was not ingested, or was ingested with a caveat, and why. */
export interface LoadNotice {
  /** Absolute path of the file or folder. */
  path: string;
  /** Follows from `code` (see {@link noticeKind}). */
  kind: NoticeKind;
  code: NoticeCode;
  /** Which sentence says why: finer than `code`, stable, for programs and translations. */
  reasonCode: NoticeReasonCode;
  /** The values in that sentence (a size, an encoding, an errno code ...). */
  params: NoticeParams;
  /** The sentence in English, one line, without the path. */
  reason: string;
}

/** A notice with its kind filled in from its code and its English reason from `why`. */
export function makeNotice(absPath: string, code: NoticeCode, why: NoticeReason): LoadNotice {
  return { path: absPath, kind: noticeKind(code), code, reasonCode: why.reasonCode, params: why.params, reason: reasonText(why) };
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
  /** Files larger than this many bytes get a `too-large` notice (default {@link DEFAULT_MAX_FILE_SIZE}). */
  maxFileSize?: number;
}

/**
 * Find the files to ingest under `paths`.
 *
 * A directory is walked recursively and its files get relPaths relative to it; a file argument
 * gets its base name. Hidden files and folders (name starting with `.`) and `node_modules` are
 * not entered (a hidden file named explicitly is still taken). Symbolic links are followed, each
 * directory visited once. Files of unknown type or with binary content come back as `skipped`
 * notices; so does a second file with a relPath already taken (its docId would collide). The
 * same file reached twice is listed once. Empty files, files over `maxFileSize`, symbolic-link
 * loops, broken links, FIFOs and devices, and folders or files that cannot be listed or opened
 * each get one notice (see {@link NoticeCode}); the walk goes on past them.
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
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;

  const candidates: { absPath: string; origin: string; relPath: string }[] = [];
  const notices: LoadNotice[] = [];
  for (const given of paths) {
    const origin = path.resolve(given);
    const stat = await statOrThrow(origin, given);
    if (stat.isDirectory()) {
      const real = await fs.realpath(origin);
      const walker: Walker = { origin, visited: new Set([real]), exclude, out: candidates, notices };
      await walk(walker, origin, '', [real]);
    } else if (stat.isFile()) {
      candidates.push({ absPath: origin, origin, relPath: path.basename(origin) });
    } else {
      throw new RagError('path-not-found', `not a file or directory: ${given}`);
    }
  }

  const files: SourceFile[] = [];
  const seenReal = new Set<string>();
  const byRelPath = new Map<string, string>();
  for (const c of candidates) {
    if (include && !include(c.relPath)) continue;
    if (exclude && exclude(c.relPath)) continue;
    let real: string;
    try {
      real = await fs.realpath(c.absPath);
    } catch (err) {
      notices.push(makeNotice(c.absPath, codeForSystemError(err), reason('os-error', systemErrorParams(err))));
      continue;
    }
    if (seenReal.has(real)) continue;
    seenReal.add(real);
    const earlier = byRelPath.get(c.relPath);
    if (earlier !== undefined) {
      notices.push(
        makeNotice(c.absPath, 'duplicate-id', reason('duplicate-id', { docId: c.relPath, earlier })),
      );
      continue;
    }
    let size: number;
    let head: Buffer;
    try {
      ({ size, head } = await readHead(c.absPath));
    } catch (err) {
      notices.push(makeNotice(c.absPath, codeForSystemError(err), reason('read-failed', systemErrorParams(err))));
      continue;
    }
    const detection = classifyFile(c.absPath, head);
    if (detection.format === null) {
      const code: NoticeCode = detection.why.reasonCode.startsWith('binary') ? 'binary' : 'unsupported';
      notices.push(makeNotice(c.absPath, code, detection.why));
      continue;
    }
    if (size === 0) {
      notices.push(makeNotice(c.absPath, 'empty', reason('empty-file')));
      continue;
    }
    if (size > maxFileSize) {
      notices.push(makeNotice(c.absPath, 'too-large', reason('too-large', tooLargeParams(size, maxFileSize))));
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
      throw new RagError('path-not-found', `path not found: ${given} (resolved to ${absPath}); check the spelling or the working directory`, {
        cause: err,
      });
    }
    throw new RagError('path-not-found', `cannot read ${given}: ${errorMessage(err)}`, { cause: err });
  }
}

interface Walker {
  origin: string;
  /** Real paths of the folders entered so far: each is walked once. */
  visited: Set<string>;
  exclude: PathMatcher | null;
  out: { absPath: string; origin: string; relPath: string }[];
  notices: LoadNotice[];
}

/** `ancestors`: real paths of the folders from the origin down to `dir`, to tell a loop from a second way in. */
async function walk(w: Walker, dir: string, relDir: string, ancestors: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    w.notices.push(makeNotice(dir, codeForSystemError(err), reason('list-failed', systemErrorParams(err))));
    return;
  }
  entries.sort((a, b) => compare(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const absPath = path.join(dir, entry.name);
    const relPath = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    let stat: { isDirectory(): boolean; isFile(): boolean } = entry;
    if (entry.isSymbolicLink()) {
      try {
        stat = await fs.stat(absPath);
      } catch (err) {
        const code = codeForSystemError(err);
        if (code === 'vanished') {
          // A link whose target is missing; the link itself was just listed.
          const exists = await fs.lstat(absPath).then(() => true, () => false);
          if (exists) w.notices.push(makeNotice(absPath, 'broken-link', reason('broken-link')));
          else w.notices.push(makeNotice(absPath, 'vanished', reason('os-error', systemErrorParams(err))));
        } else {
          w.notices.push(makeNotice(absPath, code, reason('os-error', systemErrorParams(err))));
        }
        continue;
      }
    }
    if (stat.isDirectory()) {
      if (w.exclude && w.exclude(relPath)) continue;
      let real: string;
      try {
        real = await fs.realpath(absPath);
      } catch (err) {
        w.notices.push(makeNotice(absPath, codeForSystemError(err), reason('open-failed', systemErrorParams(err))));
        continue;
      }
      if (ancestors.includes(real)) {
        w.notices.push(makeNotice(absPath, 'symlink-loop', reason('symlink-loop', { target: real })));
        continue;
      }
      if (w.visited.has(real)) continue;
      w.visited.add(real);
      await walk(w, absPath, relPath, [...ancestors, real]);
    } else if (stat.isFile()) {
      w.out.push({ absPath, origin: w.origin, relPath });
    } else {
      w.notices.push(makeNotice(absPath, 'not-a-file', reason('not-a-file')));
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
  // Loaded only when there are patterns (~15 ms that most runs do not need).
  const picomatch = createRequire(import.meta.url)('picomatch') as typeof Picomatch;
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
