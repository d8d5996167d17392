/**
 * Which data files of an index were hashed and found equal to their manifest checksum, and what
 * each file looked like then (device, inode, size, mtime, ctime in nanoseconds). A one-shot
 * `rag query` reads SciFact's 107 MB vector file whole, and hashing it took longer than scanning
 * it (issue 14): a query whose file still has the identity it had when it was verified skips the
 * hash. A write of any kind sets a file's ctime to the current time, and no user call can set it
 * back (`utimes` sets mtime and atime, and itself moves ctime), so bytes changed after the check
 * always change the identity and are hashed again.
 *
 * Racy files (git's rule for its index): a change in the same clock tick as the check could keep
 * ctime, so a record made less than {@link RACY_MARGIN_NS} after the file's last change vouches
 * for nothing; the next read hashes again and records a trusted stamp. An index is queried long
 * after its commit, so in practice only the first query after a commit pays.
 *
 * Records live under the cache root (`<cache root>/verified/<hash of the index path>.json`), not
 * in the index, so queries never write into an index folder (it may be read-only or shared).
 * They are a cache: missing, unreadable or unwritable records only mean the file is hashed.
 * `rag check` and every ingest hash whatever the records say.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { cacheRoot } from '../cache-root.js';
import type { ManifestFile } from './manifest.js';

/** 2 s: more than the timestamp granularity of the file systems rag runs on (FAT's is 2 s). */
export const RACY_MARGIN_NS = 2_000_000_000n;
const FORMAT_VERSION = 1;

/** What a file looked like when it was hashed. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

interface Stamp {
  checksum: string;
  identity: FileIdentity;
  /** Wall clock when the hash started. */
  verifiedAtNs: bigint;
}

/** The identity of the file at `path` now. */
export async function fileIdentity(path: string): Promise<FileIdentity> {
  const s = await stat(path, { bigint: true });
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** The verification records of one index folder. */
export class VerifiedFiles {
  private stamps: Map<string, Stamp> | undefined;

  private constructor(
    private readonly dir: string,
    /** Undefined when the folder's real path cannot be known: nothing is trusted or recorded. */
    private readonly recordPath: string | undefined,
  ) {}

  /** The records of the index at `dir`, kept under `root` (default `<cache root>/verified`). */
  static async forIndex(dir: string, root: string = join(cacheRoot(), 'verified')): Promise<VerifiedFiles> {
    let real: string | undefined;
    try {
      real = await realpath(dir);
    } catch {
      real = undefined;
    }
    const name = real === undefined ? undefined : `${createHash('sha256').update(real).digest('hex').slice(0, 32)}.json`;
    return new VerifiedFiles(dir, name === undefined ? undefined : join(root, name));
  }

  /**
   * True when `file` was hashed equal to its manifest checksum and has not changed since; the
   * identity it has now is returned either way, for {@link record} after a hash.
   */
  async check(file: ManifestFile): Promise<{ trusted: boolean; identity: FileIdentity }> {
    const identity = await fileIdentity(join(this.dir, file.name));
    if (file.checksum === undefined) return { trusted: false, identity };
    const stamp = (await this.load()).get(file.name);
    const trusted =
      stamp !== undefined &&
      stamp.checksum === file.checksum &&
      sameIdentity(stamp.identity, identity) &&
      stamp.verifiedAtNs - identity.ctimeNs >= RACY_MARGIN_NS;
    return { trusted, identity };
  }

  /**
   * Records that `file`, with `identity` taken before it was read, hashed to its checksum at
   * `verifiedAtNs`. Best effort: a cache folder that cannot be written is not an error.
   */
  async record(file: ManifestFile, identity: FileIdentity, verifiedAtNs: bigint, keep: readonly string[]): Promise<void> {
    if (this.recordPath === undefined || file.checksum === undefined) return;
    // Read again: another reader of the same index (a hybrid query's postings and vectors, or
    // another process) may have recorded its file since this one loaded, and must not be dropped.
    this.stamps = undefined;
    const stamps = await this.load();
    stamps.set(file.name, { checksum: file.checksum, identity, verifiedAtNs });
    // Files of older generations are gone after a commit: their records would only grow the file.
    for (const name of [...stamps.keys()]) if (!keep.includes(name)) stamps.delete(name);
    const body = {
      formatVersion: FORMAT_VERSION,
      index: this.dir,
      files: Object.fromEntries(
        [...stamps].map(([name, s]) => [
          name,
          {
            checksum: s.checksum,
            dev: String(s.identity.dev),
            ino: String(s.identity.ino),
            size: String(s.identity.size),
            mtimeNs: String(s.identity.mtimeNs),
            ctimeNs: String(s.identity.ctimeNs),
            verifiedAtNs: String(s.verifiedAtNs),
          },
        ]),
      ),
    };
    const temp = `${this.recordPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(join(this.recordPath, '..'), { recursive: true });
      await writeFile(temp, `${JSON.stringify(body)}\n`);
      await rename(temp, this.recordPath);
    } catch {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }

  private async load(): Promise<Map<string, Stamp>> {
    if (this.stamps !== undefined) return this.stamps;
    this.stamps = new Map();
    if (this.recordPath === undefined) return this.stamps;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.recordPath, 'utf8'));
    } catch {
      return this.stamps; // none yet, or unreadable: everything is hashed
    }
    if (!isRecord(parsed) || parsed['formatVersion'] !== FORMAT_VERSION || !isRecord(parsed['files'])) return this.stamps;
    for (const [name, value] of Object.entries(parsed['files'])) {
      const stamp = parseStamp(value);
      if (stamp !== undefined && basename(name) === name) this.stamps.set(name, stamp);
    }
    return this.stamps;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseStamp(value: unknown): Stamp | undefined {
  if (!isRecord(value) || typeof value['checksum'] !== 'string') return undefined;
  const fields = ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs', 'verifiedAtNs'] as const;
  const numbers: bigint[] = [];
  for (const field of fields) {
    const text = value[field];
    if (typeof text !== 'string' || !/^\d{1,30}$/.test(text)) return undefined;
    numbers.push(BigInt(text));
  }
  const [dev, ino, size, mtimeNs, ctimeNs, verifiedAtNs] = numbers as [bigint, bigint, bigint, bigint, bigint, bigint];
  return { checksum: value['checksum'], identity: { dev, ino, size, mtimeNs, ctimeNs }, verifiedAtNs };
}

/** The wall clock in nanoseconds, on the same scale as file times. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
