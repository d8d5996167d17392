/** Deterministic folders of small text documents drawn from a word list, for index tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Words in English, Simplified and Traditional Chinese, so every analyser path is exercised. */
export const CORPUS_WORDS = ['vector', 'database', 'index', 'search', 'travel', 'expense', 'invoice', 'retrieval', 'embedding', 'neighbour', 'graph', 'cosine', 'token', 'chunk', '检索', '向量', '資料庫', 'report', 'policy', 'query'];

/**
 * Writes `n` documents `doc-<i>.txt` of 30–89 words each from `words`, the same for the same
 * `seed`; with `headed`, each starts with a `# Doc <i>` heading line.
 */
export async function writeWordCorpus(dir: string, n: number, seed: number, options: { words?: readonly string[]; headed?: boolean } = {}): Promise<void> {
  const words = options.words ?? CORPUS_WORDS;
  await mkdir(dir, { recursive: true });
  let x = seed;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < n; i++) {
    const picked = Array.from({ length: 30 + (next() % 60) }, () => words[next() % words.length]!);
    await writeFile(path.join(dir, `doc-${i}.txt`), `${options.headed === true ? `# Doc ${i}\n\n` : ''}${picked.join(' ')}.\n`);
  }
}
