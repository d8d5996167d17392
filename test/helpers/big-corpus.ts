import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from '../../src/random.js';

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an which have not but ' +
  'index vector search query chunk document model embedding retrieval graph scan recall latency ' +
  'memory string corpus line record batch commit file disk store load parse write read stream'
).split(' ');

export interface BigCorpus {
  documents: number;
  /** Characters of document text (title + body as the BEIR loader joins them), all ASCII. */
  textChars: number;
  /** The `_id` of the document holding `needle`. */
  needleDoc: string;
}

/**
 * Streams a BEIR corpus.jsonl of about `megabytes` MB of ASCII text to `path`: documents of
 * ~`docChars` characters made of random sentences, with the sentence `needle` planted in the
 * middle of one document in the middle of the file. Never holds more than one document in memory.
 */
export async function writeBigCorpus(path: string, megabytes: number, needle: string, docChars = 10_000): Promise<BigCorpus> {
  const rand = seededRandom(2024);
  // A pool of sentences, reused in random order: generating each character anew is the slow part.
  const sentences = Array.from({ length: 4096 }, () => {
    const n = 6 + Math.floor(rand() * 18);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    return `${words[0]![0]!.toUpperCase()}${words.join(' ').slice(1)}.`;
  });
  const target = megabytes * 1_000_000;
  const count = Math.ceil(target / docChars);
  const needleIndex = Math.floor(count / 2);
  const out = createWriteStream(path);
  let textChars = 0;
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    let length = 0;
    while (length < docChars) {
      const s = sentences[Math.floor(rand() * sentences.length)]!;
      parts.push(s);
      length += s.length + 1;
      if (i === needleIndex && parts.length === 20) parts.push(needle);
    }
    const title = `Document ${i}`;
    const text = parts.join(' ');
    textChars += title.length + 1 + text.length;
    if (!out.write(`${JSON.stringify({ _id: `d${i}`, title, text })}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { documents: count, textChars, needleDoc: `d${needleIndex}` };
}
