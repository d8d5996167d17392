/**
 * A tiny BERT-shaped ONNX model (test/helpers/tiny-bert.ts: random weights, mean pooling) with a
 * WordPiece vocabulary learned from a corpus's own text, so the corpus does not turn into [UNK]s:
 * the most frequent words plus every character seen, word-initial and as `##` continuation.
 * The embedding matrix of the ONNX graph is regenerated to match the vocabulary size.
 * Shared by bench/tiny-model-scifact.ts and bench/tune-adapter.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { seededRandom } from '../../src/random.js';
import { buildTinyOnnx, TINY_SPECIAL_TOKENS, writeTinyModel } from './tiny-bert.js';

const { onnx } = onnxProto;

export interface VocabModelOptions {
  hidden: number;
  layers: number;
  /** Whole words in the vocabulary (besides characters and specials). */
  vocab: number;
}

/** BERT's normalizer as configured by the helper: clean, lowercase, strip accents, space around CJK. */
function bertNormalize(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .replace(/[\u0000\ufffd\p{Cc}]/gu, ' ')
    .replace(/([\u4e00-\u9fff\u3400-\u4dbf])/gu, ' $1 ');
}

/** Close to BertPreTokenizer: whitespace splits, every punctuation or symbol character is its own word. */
function preTokenize(text: string): string[] {
  return text.match(/[\p{P}\p{S}]|[^\s\p{P}\p{S}]+/gu) ?? [];
}

/** A WordPiece vocabulary (specials first, as the helper's tokenizer config expects). */
function learnVocabulary(texts: string[], wordCount: number): string[] {
  const freq = new Map<string, number>();
  const chars = new Set<string>();
  for (const text of texts) {
    for (const word of preTokenize(bertNormalize(text))) {
      freq.set(word, (freq.get(word) ?? 0) + 1);
      for (const ch of word) chars.add(ch);
    }
  }
  const words = [...freq.entries()]
    .filter(([w, n]) => n >= 2 && [...w].length > 1)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, wordCount)
    .map(([w]) => w);
  const sortedChars = [...chars].sort();
  const vocab = [...TINY_SPECIAL_TOKENS, ...sortedChars, ...sortedChars.map((c) => `##${c}`), ...words];
  return [...new Set(vocab)];
}

/** The helper's graph with its word-embedding table regenerated for `vocabSize` rows. */
function onnxWithVocabulary(options: { hidden: number; layers: number; maxPositions: number }, vocabSize: number): Uint8Array {
  const model = onnx.ModelProto.decode(buildTinyOnnx({ ...options, variant: 'mean' }));
  const table = model.graph?.initializer?.find((t) => t.name === 'word_emb');
  if (!table) throw new Error('tiny-bert graph has no word_emb initializer');
  const next = seededRandom(99);
  const values = new Float32Array(vocabSize * options.hidden);
  for (let i = 0; i < values.length; i++) values[i] = next() * 2 - 1;
  table.dims = [vocabSize, options.hidden];
  table.rawData = new Uint8Array(values.buffer);
  return onnx.ModelProto.encode(model).finish();
}

export async function writeVocabModel(dir: string, texts: string[], options: VocabModelOptions): Promise<{ dir: string; vocabSize: number }> {
  const { hidden, layers } = options;
  const maxPositions = 512;
  await writeTinyModel(dir, { hidden, layers, maxPositions, variant: 'mean' });
  const vocab = learnVocabulary(texts, options.vocab);
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  const tokenizer = JSON.parse(await readFile(tokenizerPath, 'utf8')) as { model: { vocab: Record<string, number> } };
  tokenizer.model.vocab = Object.fromEntries(vocab.map((t, i) => [t, i]));
  await writeFile(tokenizerPath, JSON.stringify(tokenizer));
  const configPath = path.join(dir, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  config.vocab_size = vocab.length;
  await writeFile(configPath, JSON.stringify(config, null, 2));
  await writeFile(path.join(dir, 'onnx', 'model.onnx'), onnxWithVocabulary({ hidden, layers, maxPositions }, vocab.length));
  return { dir, vocabSize: vocab.length };
}

