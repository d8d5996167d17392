/**
 * Which roots an index already holds documents from: what `rag ingest` warns about before a run
 * mixes a new folder into an index of others. Its own module so that an unchanged re-ingest does
 * not load `rag inspect`'s (inspect.ts: encodings, Markdown front matter).
 */
import path from 'node:path';
import { indexExists, openIndex, resolveLocation, type OpenIndexOptions } from '../store/open.js';
import { isPostgresLocation } from '../store/pg/location.js';
import { committedSources } from '../store/sources-file.js';

/**
 * The roots (ingested folders or files) an index already holds documents from, when `paths` add
 * a new one beside them; empty otherwise (no index yet, or every path was ingested before). A
 * quickstart's sample index silently mixing with the user's own documents is the case to catch.
 * An index that cannot be read gives `[]`: the ingest itself reports what is wrong with it.
 */
export async function otherRoots(location: string, paths: readonly string[], options: OpenIndexOptions = {}): Promise<string[]> {
  try {
    if (!(await indexExists(location, options))) return [];
    const given = paths.map((p) => path.resolve(p));
    const fromRoots = (roots: ReadonlySet<string>): string[] =>
      given.some((p) => !roots.has(p)) ? [...roots].filter((root) => !given.includes(root)).sort() : [];
    const dir = resolveLocation(location);
    if (!isPostgresLocation(dir)) {
      // The sources file names every document's origin when it covers them all: the chunk file
      // (all documents and chunks) need not be read for that, which was most of an unchanged re-ingest.
      const committed = await committedSources(dir);
      if (committed !== undefined) {
        const covered = new Set<string>();
        for (const record of committed.sources.files) for (const [docId] of record.documents) covered.add(docId);
        if (covered.size === committed.manifest.counts.documents) return fromRoots(new Set(committed.sources.files.filter((r) => r.documents.length > 0).map((r) => r.origin)));
      }
    }
    const reader = await openIndex(location, options);
    try {
      const roots = new Set<string>();
      for (const doc of reader.documents()) roots.add(doc.origin);
      return fromRoots(roots);
    } finally {
      await reader.close();
    }
  } catch {
    return [];
  }
}
