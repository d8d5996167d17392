/**
 * A deterministic mixed Chinese/English corpus in BEIR layout (`corpus.jsonl`), for benches that
 * must run from a fresh clone without ../shared/datasets. Documents are paragraphs of English
 * sentences over a made-up vocabulary of ~2,000 words and Chinese sentences over ~2,500
 * characters, roughly half each, with a title; lengths vary from a few hundred to ~4,000
 * characters.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { seededRandom } from '../src/random.js';

const SYLLABLES = ['ka', 'ten', 'ro', 'mi', 'sul', 'de', 'va', 'lin', 'or', 'pe', 'qua', 'str', 'en', 'al', 'bu', 'cor', 'ex', 'fi', 'gra', 'hy', 'ion', 'jo', 'mer', 'ne', 'ost', 'pla', 'ri', 'sen', 'tu', 'ul', 'vin', 'wes'];

function makeWords(next: () => number, count: number): string[] {
  const words = new Set<string>(['the', 'of', 'and', 'to', 'in', 'is', 'for', 'with', 'that', 'on', 'by', 'as', 'are', 'from']);
  while (words.size < count) {
    const n = 1 + Math.floor(next() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Picks skewed towards the front of the list, as word frequencies are. */
function zipf(next: () => number, size: number): number {
  return Math.min(size - 1, Math.floor(size * next() ** 2.5));
}

/** Yields `{ _id, title, text }` rows until about `totalChars` characters of text were made. */
export function* generatedDocuments(totalChars: number, seed = 2024): Generator<{ _id: string; title: string; text: string }> {
  const next = seededRandom(seed);
  const words = makeWords(next, 2000);
  const hanzi: string[] = [];
  for (let cp = 0x4e00; hanzi.length < 2500; cp += 7) hanzi.push(String.fromCodePoint(cp));
  const englishSentence = (): string => {
    const n = 6 + Math.floor(next() * 18);
    const s = Array.from({ length: n }, () => words[zipf(next, words.length)]).join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const chineseSentence = (): string => {
    const n = 8 + Math.floor(next() * 30);
    let s = '';
    for (let i = 0; i < n; i++) s += hanzi[zipf(next, hanzi.length)];
    return `${s}${next() < 0.8 ? '。' : '！'}`;
  };
  let made = 0;
  for (let d = 0; made < totalChars; d++) {
    const chinese = next() < 0.5;
    const sentence = chinese ? chineseSentence : englishSentence;
    const paragraphs = 1 + Math.floor(next() * 5);
    const parts: string[] = [];
    for (let p = 0; p < paragraphs; p++) {
      const sentences = 2 + Math.floor(next() * 7);
      parts.push(Array.from({ length: sentences }, sentence).join(chinese ? '' : ' '));
    }
    const text = parts.join('\n\n');
    const title = chinese ? chineseSentence().slice(0, 12) : englishSentence().slice(0, 40);
    made += text.length + title.length;
    yield { _id: `g${d}`, title, text };
  }
}

/** Writes `dir/corpus.jsonl` with about `totalChars` characters; returns the file and document count. */
export async function writeGeneratedCorpus(dir: string, totalChars: number, seed = 2024): Promise<{ file: string; documents: number }> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'corpus.jsonl');
  const out = createWriteStream(file);
  let documents = 0;
  for (const row of generatedDocuments(totalChars, seed)) {
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
    documents++;
  }
  out.end();
  await once(out, 'finish');
  return { file, documents };
}
