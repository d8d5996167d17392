/**
 * Small generated Markdown corpora for the real-server tests: `count` documents of random
 * sentences, each sentence tagged with the document's version word (`vtagN`), so a reader can
 * tell which commit each chunk came from.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom } from '../../src/random.js';

const WORDS = ('index vector search query chunk document model embedding retrieval graph scan recall latency memory ' +
  'corpus record batch commit disk store load parse write read stream server replica table lock').split(' ');

/** Writes `prefix0.md … prefix{count-1}.md` into `dir`; every sentence contains `marker` and `vtag{version}`. */
export async function writeCorpus(dir: string, options: { prefix: string; count: number; chars?: number; version?: number; marker?: string; seed?: number }): Promise<void> {
  const { prefix, count, chars = 2400, version = 1, marker = 'zebramark', seed = 7 } = options;
  await mkdir(dir, { recursive: true });
  const rand = seededRandom(seed + version * 1000);
  for (let i = 0; i < count; i++) {
    const parts: string[] = [`# ${prefix} document ${i}\n`];
    let length = 0;
    while (length < chars) {
      const n = 8 + Math.floor(rand() * 10);
      const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
      const sentence = `${marker} vtag${version} ${prefix}${i} ${words.join(' ')}.`;
      parts.push(sentence);
      length += sentence.length + 1;
    }
    await writeFile(path.join(dir, `${prefix}${i}.md`), parts.join(' ') + '\n');
  }
}
