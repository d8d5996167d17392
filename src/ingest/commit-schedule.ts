/**
 * When a long ingest commits what it has embedded so far. Every commit rewrites the index's
 * files, so committing after every document would make an ingest quadratic; committing only at
 * the end would make a crash or Ctrl-C lose the whole run. The schedule commits about once a
 * minute, and never spends more than about a fifth of the time writing.
 */

/** When to commit during an ingest; a commit happens once either limit is reached. */
export interface CommitEvery {
  /** Commit after this many new or changed documents were embedded since the last commit. */
  documents?: number;
  /** Commit once this many seconds passed since the last commit. Default 60. */
  seconds?: number;
}

export const DEFAULT_COMMIT_SECONDS = 60;

/**
 * Texts embedded per call between checks for a due commit or an interrupt: large enough that
 * models still batch well (inputs are sorted by length within a call), small enough to stop soon.
 */
export const EMBED_GROUP_TEXTS = 1024;

/** A commit may take at most 1/WRITE_SHARE of the time between commits. */
const WRITE_SHARE = 5;

export class CommitSchedule {
  private readonly documents: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastCommitAt: number;
  private lastCommitMs = 0;
  private documentsSince = 0;

  /** `every` undefined = the default; null = never commit before the end (a rebuild). */
  constructor(every: CommitEvery | null | undefined, now: () => number = () => performance.now()) {
    this.documents = every === null ? Infinity : (every?.documents ?? Infinity);
    this.intervalMs = every === null ? Infinity : (every?.seconds ?? DEFAULT_COMMIT_SECONDS) * 1000;
    this.now = now;
    this.lastCommitAt = now();
  }

  /** The most documents to embed in one call before checking {@link due} again. */
  get groupDocuments(): number {
    return Math.max(1, this.documents - this.documentsSince);
  }

  /** Records that `documents` more documents were staged; true when they should be committed now. */
  staged(documents: number): boolean {
    this.documentsSince += documents;
    if (this.documentsSince >= this.documents) return true;
    const since = this.now() - this.lastCommitAt;
    return since >= Math.max(this.intervalMs, WRITE_SHARE * this.lastCommitMs);
  }

  /** Records a commit that started at `startedAt` (a `now()` value) and has just finished. */
  committed(startedAt: number): void {
    const end = this.now();
    this.lastCommitMs = end - startedAt;
    this.lastCommitAt = end;
    this.documentsSince = 0;
  }
}

/**
 * Splits documents into embedding groups of at most `maxDocuments()` documents and about
 * {@link EMBED_GROUP_TEXTS} texts (a document is never split). `maxDocuments` is read per group.
 */
export function* embedGroups<T extends { chunks: readonly unknown[] }>(items: readonly T[], maxDocuments: () => number): Generator<T[]> {
  let group: T[] = [];
  let texts = 0;
  for (const item of items) {
    group.push(item);
    texts += item.chunks.length;
    if (texts >= EMBED_GROUP_TEXTS || group.length >= maxDocuments()) {
      yield group;
      group = [];
      texts = 0;
    }
  }
  if (group.length > 0) yield group;
}
