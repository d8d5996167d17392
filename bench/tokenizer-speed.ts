/**
 * Tokens per second of the fast WordPiece tokenizer (src/embed/wordpiece.ts) against
 * transformers.js's `tokenizer.encode(text, { add_special_tokens: false })`, same process, same
 * tokenizer files, same texts.
 *
 *   node --import tsx bench/tokenizer-speed.ts [--reps 5] [--model DIR]
 *
 * Texts: English = the SciFact corpus (../shared/datasets/scifact, title + text per document)
 * when present, else the repo's datasets/en-sample documents; Chinese = the CMRC 2018 corpus
 * (../shared/datasets/cmrc2018) when present, else datasets/zh-sample.
 *
 * Tokenizer: by default the tokenizer files bench/bench-models.ts writes for its generated
 * models (a 21,128-entry WordPiece vocabulary learned from the texts, BertNormalizer with
 * lowercase and accent stripping), kept under the bench model folder; `--model DIR` uses the
 * tokenizer.json/tokenizer_config.json of any model folder instead.
 *
 * Each round encodes every text once with each tokenizer; rounds interleave the two so load from
 * other processes hits both alike, and the best round counts. The fast tokenizer keeps a word
 * cache, so it is timed two ways: "cold", a new instance per round (one pass over a corpus, as
 * one ingest does), and "warm", the same instance again (every word already seen). Before
 * timing, every text's ids are compared and the bench stops if any differ.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer } from '@huggingface/transformers';
import { fastBertTokenizer, type FastBertTokenizer } from '../src/embed/wordpiece.js';
import { wordPieceVocabulary } from '../test/helpers/bert-onnx.js';
import { writeBertFolderFiles } from '../test/helpers/tiny-bert.js';
import { BENCH_MODEL_DIR, corpusTexts } from './bench-models.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, model: { type: 'string' } } });
const reps = Number(values.reps);

const SHARED = path.resolve('..', 'shared', 'datasets');

function docsUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort()
    .map((file) => readFileSync(file, 'utf8'));
}

function textSet(shared: string, fallback: string): { name: string; texts: string[] } {
  const corpus = path.join(SHARED, shared, 'corpus.jsonl');
  if (existsSync(corpus)) return { name: `${shared} corpus (../shared)`, texts: corpusTexts(corpus) };
  return { name: `datasets/${fallback}/docs`, texts: docsUnder(path.resolve('datasets', fallback, 'docs')) };
}

const sets = [textSet('scifact', 'en-sample'), textSet('cmrc2018', 'zh-sample')];

async function tokenizerDir(): Promise<string> {
  if (values.model) return path.resolve(values.model);
  const shared = sets.every((s) => s.name.includes('../shared'));
  const dir = path.join(BENCH_MODEL_DIR, shared ? 'tokenizer-speed-shared' : 'tokenizer-speed-repo');
  if (!existsSync(path.join(dir, 'tokenizer.json'))) {
    await mkdir(dir, { recursive: true });
    const vocabulary = wordPieceVocabulary(
      sets.flatMap((s) => s.texts),
      21128,
    );
    await writeBertFolderFiles(dir, { hidden: 128, layers: 1, heads: 2, ffn: 512, maxPositions: 512, vocabulary, variant: 'mean', poolingFile: true });
  }
  return dir;
}

const dir = await tokenizerDir();
const tokenizerJson = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as unknown;
const configFile = path.join(dir, 'tokenizer_config.json');
const tokenizerConfig = existsSync(configFile) ? (JSON.parse(readFileSync(configFile, 'utf8')) as unknown) : undefined;
const makeFast = (): FastBertTokenizer => {
  const fast = fastBertTokenizer(tokenizerJson, tokenizerConfig);
  if (!fast) throw new Error(`${dir}: fastBertTokenizer declines this tokenizer (not BertNormalizer + BertPreTokenizer + WordPiece)`);
  return fast;
};
const slow = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });

console.log(`tokenizer: ${dir}`);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, best of ${reps} rounds\n`);

const rows: string[][] = [];
for (const { name, texts } of sets) {
  // Correctness first: a speed-up with other ids would be worthless.
  const check = makeFast();
  for (const [i, text] of texts.entries()) {
    const a = check.encode(text);
    const b = slow.encode(text, { add_special_tokens: false });
    if (a.length !== b.length || a.some((id, k) => id !== b[k])) throw new Error(`${name}: text #${i} gives other ids than transformers.js`);
  }

  let tokens = 0;
  const chars = texts.reduce((n, t) => n + t.length, 0);
  const time = (encode: (t: string) => number[]): number => {
    const start = performance.now();
    let n = 0;
    for (const text of texts) n += encode(text).length;
    const ms = performance.now() - start;
    tokens = n;
    return ms;
  };
  let slowBest = Infinity;
  let coldBest = Infinity;
  let warmBest = Infinity;
  for (let r = 0; r < reps; r++) {
    slowBest = Math.min(slowBest, time((t) => slow.encode(t, { add_special_tokens: false })));
    const fast = makeFast();
    coldBest = Math.min(coldBest, time((t) => fast.encode(t)));
    warmBest = Math.min(warmBest, time((t) => fast.encode(t)));
  }
  const perSecond = (ms: number): number => tokens / (ms / 1000);
  rows.push([
    name,
    String(texts.length),
    chars.toLocaleString('en-US'),
    tokens.toLocaleString('en-US'),
    Math.round(perSecond(slowBest)).toLocaleString('en-US'),
    Math.round(perSecond(coldBest)).toLocaleString('en-US'),
    Math.round(perSecond(warmBest)).toLocaleString('en-US'),
    `${(slowBest / coldBest).toFixed(1)}×`,
    `${(slowBest / warmBest).toFixed(1)}×`,
  ]);
}

const header = ['texts', 'docs', 'chars', 'tokens', 'transformers.js tok/s', 'fast cold tok/s', 'fast warm tok/s', 'cold ratio', 'warm ratio'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log('\nAll ids identical to transformers.js on every text above.');
