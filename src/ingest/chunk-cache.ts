/**
 * An on-disk cache of chunk boundaries, so that re-running an evaluation does not re-chunk (and,
 * with token-sized chunks, re-tokenize) a corpus that did not change.
 *
 * One file per chunking key under `<cacheDir>/chunks/`: the key is the chunking settings, what
 * measures length (`characters`, or the model fingerprint whose tokenizer counts tokens) and
 * {@link CHUNKER_VERSION}. Entries are keyed by a hash of exactly what the chunker reads from a
 * document (format, pages, text) and hold spans, not text: chunk texts and ids are rebuilt from
 * the document, so a document id change costs nothing and a span can be checked against it.
 *
 * ```
 * line 1  sha256 (hex) of everything after the first newline
 * rest    {"key": "<canonical key JSON>", "entries": {<doc hash>: [[start, end, page, headings, tokens?], ...]}}
 * ```
 *
 * A file whose checksum, key or shape is wrong is ignored (and replaced on the next save); an
 * entry whose spans do not fit its document is a miss. Files are replaced atomically; two
 * processes saving at once lose nothing but each other's new entries, which the next run adds.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CHUNKS_FOLDER } from '../embed/cache-dir.js';
import { writeFileAtomic } from '../store/atomic.js';
import { CHUNKER_VERSION, chunkDocument } from './chunk.js';
import type { LengthFunction, LoadedDocument } from './types.js';
import type { Chunk } from '../model/document.js';
import type { ChunkingOptions } from '../model/chunking.js';

/** [start, end, page, headings] plus the chunk's length in tokens when chunks are sized in tokens. */
type Span = [number, number, number | null, string[]] | [number, number, number | null, string[], number];

/** What a chunk list depends on besides the document. */
export interface ChunkCacheKey {
  chunking: ChunkingOptions;
  /**
   * What `length` measures: the model fingerprint when chunks are sized in its tokens (its
   * tokenizer counts them), `characters` otherwise.
   */
  lengthFingerprint: string;
}

/** The chunks of one document, and each chunk's token count when chunks are sized in tokens. */
export interface CachedChunks {
  chunks: Chunk[];
  tokens?: number[];
}

function canonicalKey(key: ChunkCacheKey): string {
  const { chunkSize, chunkOverlap, lengthUnit } = key.chunking;
  return JSON.stringify({ chunker: CHUNKER_VERSION, chunkSize, chunkOverlap, lengthUnit, length: key.lengthFingerprint });
}

/** Hash of what {@link chunkDocument} reads from a document (not its id, source or title). */
function documentKey(doc: LoadedDocument): string {
  return createHash('sha256')
    .update(JSON.stringify([doc.format, doc.pages ?? null]))
    .update('\0')
    .update(doc.text, 'utf8')
    .digest('hex');
}

function isSpan(value: unknown, textLength: number, withTokens: boolean): value is Span {
  if (!Array.isArray(value) || value.length !== (withTokens ? 5 : 4)) return false;
  const [start, end, page, headings, tokens] = value as unknown[];
  return (
    Number.isInteger(start) &&
    Number.isInteger(end) &&
    (start as number) >= 0 &&
    (start as number) < (end as number) &&
    (end as number) <= textLength &&
    (page === null || (Number.isInteger(page) && (page as number) >= 1)) &&
    Array.isArray(headings) &&
    headings.every((h) => typeof h === 'string') &&
    (!withTokens || (Number.isInteger(tokens) && (tokens as number) >= 0))
  );
}

/** Chunk lists for one chunking key, read from disk once and saved back when something was added. */
export class ChunkCache {
  readonly file: string;
  readonly #key: string;
  readonly #withTokens: boolean;
  readonly #entries: Map<string, unknown>;
  #dirty = false;

  private constructor(file: string, key: string, withTokens: boolean, entries: Map<string, unknown>) {
    this.file = file;
    this.#key = key;
    this.#withTokens = withTokens;
    this.#entries = entries;
  }

  /** Opens the cache for `key` under `<dir>/chunks/`; a missing or damaged file opens empty. */
  static async open(dir: string, key: ChunkCacheKey): Promise<ChunkCache> {
    const canonical = canonicalKey(key);
    const file = path.join(dir, CHUNKS_FOLDER, `${createHash('sha256').update(canonical).digest('hex')}.json`);
    const entries = new Map<string, unknown>();
    const raw = await readFile(file, 'utf8').catch(() => undefined);
    const newline = raw?.indexOf('\n') ?? -1;
    if (raw !== undefined && newline === 64) {
      const body = raw.slice(65);
      if (createHash('sha256').update(body, 'utf8').digest('hex') === raw.slice(0, 64)) {
        try {
          const parsed = JSON.parse(body) as unknown;
          const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
          const stored = record['entries'];
          if (record['key'] === canonical && typeof stored === 'object' && stored !== null && !Array.isArray(stored)) {
            for (const [hash, spans] of Object.entries(stored)) entries.set(hash, spans);
          }
        } catch {
          // Unparseable despite a matching checksum: treated as empty like any damaged file.
        }
      }
    }
    const cache = new ChunkCache(file, canonical, key.chunking.lengthUnit === 'tokens', entries);
    // A damaged file is rewritten by the next save even when nothing new is chunked.
    if (raw !== undefined && entries.size === 0) cache.#dirty = true;
    return cache;
  }

  /** The cached chunks of `doc`, or undefined when absent or not valid for this document. */
  get(doc: LoadedDocument): CachedChunks | undefined {
    const hash = documentKey(doc);
    const spans = this.#entries.get(hash);
    if (spans === undefined) return undefined;
    const textLength = doc.text.length;
    let previousStart = -1;
    const valid =
      Array.isArray(spans) &&
      spans.every((span: unknown) => {
        if (!isSpan(span, textLength, this.#withTokens) || span[0] < previousStart) return false;
        previousStart = span[0];
        return true;
      });
    if (!valid) {
      this.#entries.delete(hash);
      this.#dirty = true;
      return undefined;
    }
    const chunks = (spans as Span[]).map(([start, end, page, headings], index) => ({
      id: `${doc.docId}#${index}`,
      docId: doc.docId,
      index,
      text: doc.text.slice(start, end),
      page,
      start,
      end,
      headings: [...headings],
    }));
    return this.#withTokens ? { chunks, tokens: (spans as Span[]).map((s) => s[4] as number) } : { chunks };
  }

  /** Records the chunks of `doc` (and their token counts when chunks are sized in tokens). */
  put(doc: LoadedDocument, chunks: readonly Chunk[], tokens?: readonly number[]): void {
    if (this.#withTokens && tokens?.length !== chunks.length) throw new Error('chunk cache: token counts must accompany token-sized chunks');
    this.#entries.set(
      documentKey(doc),
      chunks.map((c, i): Span => (this.#withTokens ? [c.start, c.end, c.page, c.headings, tokens![i]!] : [c.start, c.end, c.page, c.headings])),
    );
    this.#dirty = true;
  }

  /** Writes the file (atomically) when anything was added or repaired since it was read. */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    const body = JSON.stringify({ key: this.#key, entries: Object.fromEntries(this.#entries) });
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, `${createHash('sha256').update(body, 'utf8').digest('hex')}\n${body}`);
    this.#dirty = false;
  }
}

/**
 * Chunks every document, taking what it can from `cache` and adding what it had to chunk (the
 * caller saves). Token counts come back when chunks are sized in tokens: the length function
 * measured each finished chunk anyway, and a caller can pass them on instead of tokenizing again.
 */
export async function chunkDocumentsCached(
  documents: readonly LoadedDocument[],
  chunking: ChunkingOptions,
  length: LengthFunction,
  cache: ChunkCache | undefined,
  /** Runs once before the first document that is not cached is chunked (e.g. to load a tokenizer). */
  beforeFirstMiss?: () => Promise<void>,
): Promise<{ perDoc: Chunk[][]; tokens: number[] | undefined; hits: number }> {
  const perDoc: Chunk[][] = [];
  const tokens: number[] | undefined = chunking.lengthUnit === 'tokens' ? [] : undefined;
  let hits = 0;
  let missed = false;
  for (const doc of documents) {
    const cached = cache?.get(doc);
    if (cached !== undefined) {
      hits++;
      perDoc.push(cached.chunks);
      if (tokens !== undefined) tokens.push(...(cached.tokens ?? []));
      continue;
    }
    if (!missed) {
      missed = true;
      await beforeFirstMiss?.();
    }
    const chunks = chunkDocument(doc, chunking, length);
    const counts = tokens === undefined ? undefined : chunks.map((c) => length(c.text));
    cache?.put(doc, chunks, counts);
    perDoc.push(chunks);
    if (tokens !== undefined) tokens.push(...(counts ?? []));
  }
  return { perDoc, tokens, hits };
}
