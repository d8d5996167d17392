/**
 * A canonical dump of an index's contents, for comparing two indexes built by different runs:
 * everything a search can see (documents, chunks, vectors bit for bit, corpus statistics, model
 * and chunking), nothing that legitimately differs (timestamps, generation numbers, labels,
 * insertion order, graph capacity).
 */
import { createHash } from 'node:crypto';
import { IndexStore } from '../../src/store/index-store.js';

export interface IndexDump {
  model: unknown;
  modelFingerprint: string;
  chunking: unknown;
  counts: { documents: number; chunks: number };
  /** Sorted by docId. */
  documents: unknown[];
  /** Sorted by chunk id: the chunk and the sha256 of its float32 vector bytes. */
  chunks: Array<{ chunk: unknown; vector: string }>;
  /** sha256 of the corpus statistics blob, or null. */
  stats: string | null;
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const byKey = <T>(key: (t: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export async function dumpIndex(dir: string): Promise<IndexDump> {
  const store = await IndexStore.open(dir);
  const { manifest } = store;
  const documents = [...store.documents()].sort(byKey((d) => d.docId));
  const chunks = documents
    .flatMap((d) => d.chunkIds)
    .sort()
    .map((id) => {
      const vector = store.vectorOf(id);
      if (vector === undefined) throw new Error(`chunk ${id} has no vector`);
      return { chunk: store.getChunk(id), vector: sha(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength)) };
    });
  const stats = store.corpusStatistics();
  return {
    model: manifest.model,
    modelFingerprint: manifest.modelFingerprint,
    chunking: manifest.chunking,
    counts: manifest.counts,
    documents,
    chunks,
    stats: stats === undefined ? null : sha(stats),
  };
}
