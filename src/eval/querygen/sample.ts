/**
 * Seeded sampling of passages, stratified over documents: documents take turns (in a seeded
 * order), each giving its next not-yet-taken chunk, so a corpus of one huge manual and fifty short
 * notes gets queries about the notes too, and the same seed over the same chunks picks the same passages.
 */
import { seededRandom } from '../../random.js';

export interface Candidate {
  docId: string;
  /** Position of the chunk in its document (0-based). */
  index: number;
}

/** Fisher-Yates with the given generator. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Up to `count` candidates, round-robin over documents; the order is the order queries are generated and numbered in. */
export function stratifiedSample<T extends Candidate>(candidates: readonly T[], count: number, seed: number): T[] {
  const random = seededRandom(seed);
  const byDoc = new Map<string, T[]>();
  // Sorted first so that the input order (file system listing, concurrency) never changes the sample.
  const sorted = [...candidates].sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : a.index - b.index));
  for (const c of sorted) {
    const list = byDoc.get(c.docId);
    if (list === undefined) byDoc.set(c.docId, [c]);
    else list.push(c);
  }
  const queues = shuffle([...byDoc.keys()], random).map((docId) => shuffle([...(byDoc.get(docId) ?? [])], random));
  const out: T[] = [];
  while (out.length < count) {
    let took = false;
    for (const queue of queues) {
      const next = queue.shift();
      if (next === undefined) continue;
      out.push(next);
      took = true;
      if (out.length === count) break;
    }
    if (!took) break;
  }
  return out;
}
